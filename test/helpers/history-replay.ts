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
/** Where the history of a run that does not replay is kept, for the report and for reproducing it. */
const unreplayableDir = join(process.cwd(), '.data', 'test', 'unreplayable');

type History = Parameters<typeof historyToJson>[0];
type HistoryJson = { events?: Record<string, unknown>[] };

/**
 * Writes a history as the corpus keeps it (test/fixtures/histories/): the JSON `temporal workflow
 * show` prints, plus the workflow id, which workflow code reads (replay needs it). Returns the path.
 */
function writeHistoryFile(dir: string, name: string, workflowId: string, json: HistoryJson): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${workflowId.replace(/[^A-Za-z0-9._-]/g, '_')}${name}.json`);
  writeFileSync(file, JSON.stringify({ workflowId, ...json }));
  return file;
}

const jsonOf = (history: History) => JSON.parse(historyToJson(history)) as HistoryJson;

async function* exported(histories: AsyncIterable<HistoryAndWorkflowId>): AsyncIterable<HistoryAndWorkflowId> {
  for await (const item of histories) {
    if (exportDir) {
      // Runs of one workflow id (continue-as-new) each get a file: the id, then the run id's last 8 characters.
      const history = item.history as History;
      const runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.originalExecutionRunId ?? '';
      writeHistoryFile(exportDir, `.${runId.slice(-8)}`, item.workflowId, jsonOf(history));
    }
    yield item;
  }
}

/** One line per event: id, type, and what tells commands apart (activity type, marker, timer, task failure). */
function eventLines(json: HistoryJson): string[] {
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
  // Keyed by workflow id: a failure is reported with the history the replayer was given for it.
  const byWorkflowId = new Map<string, HistoryAndWorkflowId>();
  async function* remembered(items: AsyncIterable<HistoryAndWorkflowId>): AsyncIterable<HistoryAndWorkflowId> {
    for await (const item of items) {
      byWorkflowId.set(item.workflowId, item);
      yield item;
    }
  }
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { code: bundleCode } },
    remembered(exported(histories)),
  )) {
    report.replayed += 1;
    const item = byWorkflowId.get(result.workflowId);
    byWorkflowId.delete(result.workflowId);
    if (!result.error) continue;
    let error = String(result.error);
    // The history goes with the failure: a nondeterminism that only shows under load cannot be rerun at will.
    if (item) {
      const json = jsonOf(item.history as History);
      const file = writeHistoryFile(unreplayableDir, '', result.workflowId, json);
      error += `\n  history (${file}):\n${eventLines(json).join('\n')}`;
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
