// A local activity that times out fails live with an ActivityFailure around a TimeoutFailure, and
// on replay with the bare TimeoutFailure (its marker keeps only the cause). Delivery lanes branched
// on `instanceof ActivityFailure`, so a run whose local delivery attempt timed out (seen under a
// PostgreSQL outage on a loaded machine) started a retry timer live and failed the workflow on
// replay. `activityEnding` reads both the same way: this runs such a workflow and replays it.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Seen } from '../fixtures/workflows/local-activity-timeout.js';

const temporalCliPath = process.env.TEMPORAL_CLI_PATH ?? resolve('.data/bin/temporal');
const workflowsPath = fileURLToPath(new URL('../fixtures/workflows/local-activity-timeout.ts', import.meta.url));
let env: TestWorkflowEnvironment;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: temporalCliPath } },
  });
});
afterAll(async () => {
  await env?.teardown();
});

it('reads a timed-out local activity the same way live and on replay', { timeout: 60_000 }, async () => {
  const taskQueue = `local-activity-timeout-${process.pid}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: { slow: () => new Promise<void>((done) => setTimeout(done, 3_000)) },
  });
  const handle = await worker.runUntil(async () => {
    const started = await env.client.workflow.start('localActivityTimeout', { taskQueue, workflowId: taskQueue });
    await started.result();
    return started;
  });
  const live = (await handle.result()) as Seen;
  expect(live).toEqual({ raw: 'ActivityFailure', ending: 'ended: Activity timed out' });

  const history = await handle.fetchHistory();
  // On replay the workflow catches a bare TimeoutFailure; it must still issue the same commands (the
  // timer), or this throws a DeterminismViolationError (it does when activityEnding ignores timeouts).
  await Worker.runReplayHistory({ workflowsPath }, history, handle.workflowId);
});
