// A deploy of changed workflow code while long-lived runs are open (docs/deployment.md): a lane
// dead-lettered and waiting for a replay, a FIFO dispatcher holding waiters, a lane in retry backoff.
// The worker is replaced by one running a changed bundle (a branch behind `patched()`); every open
// run goes on from where it was and finishes correctly, and only runs started after the deploy take
// the new branch.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatcherStateQuery } from '../../src/domain/signals.js';
import { workflowIds } from '../../src/domain/workflow-ids.js';
import { DEPLOY_TEST_PATCH } from '../fixtures/changed-workflows/index.js';
import { createCourierSource, fastRetries, subscribe, waitForDeadLetter } from '../helpers/delivery-fixtures.js';
import { replayHistories } from '../helpers/history-replay.js';
import { manage } from '../helpers/management.js';
import { sinkPool, type ReceivedRequest } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
const sinks = sinkPool();
const changedWorkflows = fileURLToPath(new URL('../fixtures/changed-workflows/index.ts', import.meta.url));
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} };

beforeAll(async () => {
  stack = await startTestStack({ ...fastRetries, ORDERING_REORDER_WINDOW: '200ms' });
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

const seqOf = (request: ReceivedRequest) =>
  (JSON.parse(request.body) as { data: { payload: { seq: number } } }).data.payload.seq;

/** Retries that outlast the deploy: one every second, for long enough. */
const slowRetries = { retryPolicy: { initialInterval: '1s', backoffCoefficient: 1, maximumAttempts: 100 } };

describe('replacing the worker with changed workflow code', () => {
  it(
    'continues a dead-lettered lane, a FIFO dispatcher with waiters and a lane in backoff; only new runs take the patched branch',
    { timeout: 240_000 },
    async () => {
      const changedBundle = bundleWorkflowCode({ workflowsPath: changedWorkflows, logger: quiet as never });
      // Every endpoint fails until the deploy is done.
      let healthy = false;
      const failing = () => ({ status: healthy ? 200 : 503 });

      const deadSource = await createCourierSource(stack);
      const deadSink = await sinks.start(failing);
      const deadSubscription = await subscribe(stack, deadSink.url, deadSource.id, {
        retryPolicy: { maximumAttempts: 1 },
      });
      const dead = await deadSource.send();
      const deadLetter = await waitForDeadLetter(stack, deadSubscription.id, dead.eventId);

      const fifoSource = await createCourierSource(stack);
      const fifoSink = await sinks.start(failing);
      const fifoSubscription = await subscribe(stack, fifoSink.url, fifoSource.id, {
        ordering: 'fifo',
        ...slowRetries,
      });
      const fifo = [];
      for (let seq = 0; seq < 3; seq++) fifo.push(await fifoSource.send({ payload: { seq } }));
      const dispatcher = stack.temporal.workflow.getHandle(workflowIds.dispatcher(fifoSubscription.id));
      await waitFor(
        async () =>
          fifoSink.received.length >= 1 && (await dispatcher.query(dispatcherStateQuery)).waiting.length === 2,
        { what: 'the FIFO head retrying with two waiters behind it' },
      );

      const backoffSource = await createCourierSource(stack);
      const backoffSink = await sinks.start(failing);
      await subscribe(stack, backoffSink.url, backoffSource.id, slowRetries);
      const backoff = await backoffSource.send();
      await waitFor(async () => backoffSink.received.length >= 2, { what: 'the lane to be in retry backoff' });

      // The deploy: the old worker stops, one running the changed code takes the task queue.
      await stack.worker!.stop();
      const changed = (await changedBundle).code;
      await stack.startWorker(changed);
      healthy = true;
      const replayed = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/replay`);
      expect(replayed.status, replayed.text).toBe(202);

      const before = [dead, ...fifo, backoff];
      for (const sent of before) await stack.temporal.workflow.getHandle(sent.workflowId).result();
      expect(deadSink.received).toHaveLength(2);
      expect(backoffSink.received.at(-1)!.headers['webhook-id']).toBe(backoff.eventId);
      // One at a time in acceptance order: no request for an event before the one ahead was delivered.
      const seqs = fifoSink.received.map(seqOf);
      expect(seqs).toEqual([...seqs].sort());
      expect([...new Set(seqs)]).toEqual([0, 1, 2]);

      // Runs started before the deploy kept their code path; a run started after it takes the new branch.
      for (const sent of before)
        expect((await stack.temporal.workflow.getHandle(sent.workflowId).describe()).memo).not.toHaveProperty(
          DEPLOY_TEST_PATCH,
        );
      expect((await dispatcher.describe()).memo).not.toHaveProperty(DEPLOY_TEST_PATCH);
      const after = await backoffSource.send();
      const afterHandle = stack.temporal.workflow.getHandle(after.workflowId);
      await afterHandle.result();
      expect((await afterHandle.describe()).memo).toMatchObject({ [DEPLOY_TEST_PATCH]: true });

      // Every history of the task queue, from both codes, replays with the changed code.
      const report = await replayHistories(
        stack.temporal,
        `TaskQueue = "${stack.config.TEMPORAL_TASK_QUEUE}"`,
        changed,
      );
      expect(report.failures).toEqual([]);
      expect(report.replayed).toBeGreaterThanOrEqual(before.length + 2);
    },
  );
});
