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

/** Replays every run (open or closed) that a visibility query finds, with the given workflow bundle code. */
export async function replayHistories(temporal: Client, query: string, bundleCode: string): Promise<ReplayReport> {
  const histories = temporal.workflow.list({ query }).intoHistories({ concurrency: 4 });
  const report: ReplayReport = { replayed: 0, failures: [] };
  for await (const result of Worker.runReplayHistories({ workflowBundle: { code: bundleCode } }, exported(histories))) {
    report.replayed += 1;
    if (result.error)
      report.failures.push({ workflowId: result.workflowId, runId: result.runId, error: String(result.error) });
  }
  return report;
}

/** Replays the runs of one task queue and throws, naming each run, if any of them does not replay. */
export async function assertTaskQueueReplays(temporal: Client, taskQueue: string, bundleCode: string): Promise<number> {
  const report = await replayHistories(temporal, `TaskQueue = "${taskQueue}"`, bundleCode);
  if (report.failures.length > 0)
    throw new Error(
      `${report.failures.length} of ${report.replayed} workflow histories on ${taskQueue} do not replay:\n` +
        report.failures.map((f) => `  ${f.workflowId} (${f.runId ?? '?'}): ${f.error.split('\n')[0]}`).join('\n'),
    );
  return report.replayed;
}
