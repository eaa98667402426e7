// Every workflow a test ran is replayed against the current workflow bundle before its stack stops
// (docs/architecture.md, "Every history replays"): a command that depends on how activations were
// batched, on timing or on cache state fails the test file that produced the history.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { historyToJson } from './history-json.js';

export interface ReplayReport {
  replayed: number;
  failures: { workflowId: string; runId?: string | undefined; error: string }[];
}

/** Where histories are also written (to build the committed corpus): `HOOKFLOW_EXPORT_HISTORIES=<dir>`. */
const exportDir = process.env.HOOKFLOW_EXPORT_HISTORIES;

async function* exported(histories: AsyncIterable<HistoryAndWorkflowId>): AsyncIterable<HistoryAndWorkflowId> {
  for await (const item of histories) {
    if (exportDir) {
      mkdirSync(exportDir, { recursive: true });
      // Runs of one workflow id (continue-as-new) each get a file: the id, then the run id's last 8
      // characters. The workflow id goes into the file too: workflow code reads it (replay needs it).
      const history = item.history as Parameters<typeof historyToJson>[0];
      const runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '';
      const name = `${item.workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}.${runId.slice(-8)}.json`;
      const json = { workflowId: item.workflowId, ...(JSON.parse(historyToJson(history)) as object) };
      writeFileSync(join(exportDir, name), JSON.stringify(json));
    }
    yield item;
  }
}

/** Where the history of a run that does not replay is kept, for the report and for reproducing it. */
const unreplayableDir = join(process.cwd(), '.data', 'test', 'unreplayable');

/** One line per event: id, type, and what tells commands apart (activity type, marker, timer, task failure). */
function eventLines(history: Parameters<typeof historyToJson>[0]): string[] {
  const json = JSON.parse(historyToJson(history)) as { events?: Record<string, unknown>[] };
  return (json.events ?? []).map((event) => {
    const attributes = Object.entries(event).find(([key]) => key.endsWith('EventAttributes'))?.[1] as
      Record<string, unknown> | undefined;
    const detail = [
      (attributes?.activityType as { name?: string } | undefined)?.name,
      attributes?.markerName,
      attributes?.startToFireTimeout,
      attributes?.cause,
      (attributes?.failure as { message?: string } | undefined)?.message?.slice(0, 160),
    ].filter((part) => part !== undefined);
    return `    ${String(event.eventId)} ${String(event.eventType).replace('EVENT_TYPE_', '')} ${detail.join(' ')}`;
  });
}

/** Replays every run (open or closed) that a visibility query finds, with the given workflow bundle code. */
export async function replayHistories(temporal: Client, query: string, bundleCode: string): Promise<ReplayReport> {
  const histories = temporal.workflow.list({ query }).intoHistories({ concurrency: 4 });
  const report: ReplayReport = { replayed: 0, failures: [] };
  const byRun = new Map<string, HistoryAndWorkflowId>();
  async function* remembered(items: AsyncIterable<HistoryAndWorkflowId>): AsyncIterable<HistoryAndWorkflowId> {
    for await (const item of items) {
      byRun.set(item.workflowId, item);
      yield item;
    }
  }
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { code: bundleCode } },
    remembered(exported(histories)),
  )) {
    report.replayed += 1;
    const item = byRun.get(result.workflowId);
    byRun.delete(result.workflowId);
    if (!result.error) continue;
    let error = String(result.error);
    // The history goes with the failure: a nondeterminism that only shows under load cannot be rerun at will.
    if (item) {
      const history = item.history as Parameters<typeof historyToJson>[0];
      mkdirSync(unreplayableDir, { recursive: true });
      const file = join(unreplayableDir, `${result.workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
      writeFileSync(
        file,
        JSON.stringify({ workflowId: result.workflowId, ...(JSON.parse(historyToJson(history)) as object) }),
      );
      error += `\n  history (${file}):\n${eventLines(history).join('\n')}`;
    }
    report.failures.push({ workflowId: result.workflowId, runId: result.runId, error });
  }
  return report;
}

/** Replays the runs of one task queue and throws, naming each run, if any of them does not replay. */
export async function assertTaskQueueReplays(temporal: Client, taskQueue: string, bundleCode: string): Promise<number> {
  const report = await replayHistories(temporal, `TaskQueue = "${taskQueue}"`, bundleCode);
  if (report.failures.length > 0)
    throw new Error(
      `${report.failures.length} of ${report.replayed} workflow histories on ${taskQueue} do not replay:\n` +
        report.failures.map((f) => `  ${f.workflowId} (${f.runId ?? '?'}): ${f.error}`).join('\n'),
    );
  return report.replayed;
}
