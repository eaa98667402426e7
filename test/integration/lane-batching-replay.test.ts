// Concurrent lanes whose local first attempts end in different ways (README "Every history
// replays"): live, each attempt's result reaches the workflow in an activation of its own, in the
// order the endpoints answered; on replay they arrive together. The commands the lanes then emit (a
// dead-letter activity, a retry timer) must come out in the same order both ways.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCourierSource, fastRetries, subscribe, waitForDeadLetter } from '../helpers/delivery-fixtures.js';
import { replayHistories } from '../helpers/history-replay.js';
import { sinkPool } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
const sinks = sinkPool();

beforeAll(async () => {
  stack = await startTestStack(fastRetries);
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('lanes whose first attempts end differently', () => {
  it('replay to the same commands whichever endpoint answers first', { timeout: 120_000 }, async () => {
    const retryLater = { retryPolicy: { maximumAttempts: 2, initialInterval: '2s' } };
    const slow = (status: number) => async () => (await sleep(300), { status });
    // First event: one endpoint rejects at once (dead letter), the other fails retryably 300 ms later
    // (retry timer). Second event: the reverse.
    const [rejectsFast, failsLater, failsFast, rejectsLater] = await Promise.all([
      sinks.start(() => ({ status: 400 })),
      sinks.start(slow(503)),
      sinks.start(() => ({ status: 503 })),
      sinks.start(slow(400)),
    ]);
    const [first, second] = [await createCourierSource(stack), await createCourierSource(stack)];
    const rejectedFirst = await subscribe(stack, rejectsFast.url, first.id);
    await subscribe(stack, failsLater.url, first.id, retryLater);
    await subscribe(stack, failsFast.url, second.id, retryLater);
    const rejectedSecond = await subscribe(stack, rejectsLater.url, second.id);
    const sent = [await first.send(), await second.send()];
    await waitForDeadLetter(stack, rejectedFirst.id, sent[0]!.eventId);
    await waitForDeadLetter(stack, rejectedSecond.id, sent[1]!.eventId);
    await waitFor(async () => failsLater.received.length >= 2 && failsFast.received.length >= 2, {
      timeoutMs: 60_000,
      what: 'the retryable lanes to retry once',
    });
    const bundle = readFileSync(inject('workflowBundlePath'), 'utf8');
    const ids = sent.map((s) => `WorkflowId = "${s.workflowId}"`).join(' OR ');
    const report = await replayHistories(stack.temporal, ids, bundle);
    expect(report.replayed).toBe(2);
    expect(report.failures).toEqual([]);
  });
});
