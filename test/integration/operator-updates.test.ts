// Replay and discard as Updates: the workflow holding a dead letter is its only writer, and the
// answer says what it did (docs/architecture.md, "Dead letters").
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayDeadLetterUpdate } from '../../src/domain/signals.js';
import {
  createCourierSource,
  fastRetries,
  subscribe,
  waitForDeadLetter,
  waitForDeliveryStatus,
} from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// Long enough for the race test to stop its worker after the window's timer started and before it fires.
const REPLAY_WINDOW_MS = 8_000;
let stack: TestStack;
let target: Sink;
const healthy = new Set<string>();

beforeAll(async () => {
  stack = await startTestStack({ ...fastRetries, DEAD_LETTER_REPLAY_WINDOW: `${REPLAY_WINDOW_MS}ms` });
  // 410 (non-retryable: dead-lettered at once) until the test marks the message healthy.
  target = await startSink((request) => ({ status: healthy.has(String(request.headers['webhook-id'])) ? 200 : 410 }));
});
afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

/** Whether the workflow's history holds a started / fired timer (its replay window). */
async function windowTimer(workflowId: string, stage: 'started' | 'fired'): Promise<boolean> {
  const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).some((event) =>
    stage === 'started' ? event.timerStartedEventAttributes : event.timerFiredEventAttributes,
  );
}

describe('replayDeadLetter and discardDeadLetter Updates', () => {
  it('answers a replay once the workflow has begun it: the row is already replayed when the API responds', async () => {
    const source = await createCourierSource(stack);
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    healthy.add(eventId);
    const replay = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/replay`);
    expect(replay.status, replay.text).toBe(202);
    expect(replay.body.workflowId).toBe(deadLetter.workflowId);
    expect((await manage(stack, 'GET', `/v1/dead-letters/${deadLetter.id}`)).body).toMatchObject({
      status: 'replayed',
      replayCount: 1,
    });
    await waitForDeliveryStatus(stack, eventId, 'delivered');
  });

  it('takes a replay that reaches the workflow in the same task as the end of its replay window: delivered, not left open', async () => {
    const source = await createCourierSource(stack);
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    // With no worker polling, the window's timer fires on the server and its workflow task waits;
    // the replay then joins that same task.
    await waitFor(() => windowTimer(deadLetter.workflowId, 'started'), { what: 'the replay window to begin' });
    await stack.worker!.stop();
    expect(await windowTimer(deadLetter.workflowId, 'fired'), 'the window ended before the worker stopped').toBe(false);
    await waitFor(() => windowTimer(deadLetter.workflowId, 'fired'), {
      timeoutMs: 60_000,
      what: 'the replay window timer to fire on the server',
    });
    const handle = stack.temporal.workflow.getHandle(deadLetter.workflowId);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    healthy.add(eventId);
    const replaying = manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/replay`);
    // Gives the request time to reach Temporal before the worker is back (the replay is expected
    // either way; this makes the test exercise the race rather than the plain case).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await stack.startWorker();
    const replay = await replaying;
    expect(replay.status, replay.text).toBe(202);
    await waitForDeliveryStatus(stack, eventId, 'delivered', 60_000);
    expect(target.byMessage(eventId).map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    expect((await manage(stack, 'GET', `/v1/dead-letters/${deadLetter.id}`)).body).toMatchObject({
      status: 'replayed',
      replayCount: 1,
    });
  });

  it('refuses a replay aimed at a lane that is not dead-lettered, with the reason, and changes nothing', async () => {
    const source = await createCourierSource(stack);
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = await startSink(async () => {
      await released;
      return { status: 200 };
    });
    try {
      const subscription = await subscribe(stack, slow.url, source.id);
      const { eventId, workflowId } = await source.send();
      await waitFor(async () => slow.received.length > 0, { what: 'the delivery to be in flight' });
      const refusal = await stack.temporal.workflow
        .getHandle(workflowId)
        .executeUpdate(replayDeadLetterUpdate, { args: [{ subscriptionId: subscription.id }] })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(String((refusal as WorkflowUpdateFailedError).cause?.message)).toContain(
        `is waiting for a decision for subscription ${subscription.id}`,
      );
      release();
      await waitForDeliveryStatus(stack, eventId, 'delivered');
      const deadLetters = await manage(stack, 'GET', `/v1/dead-letters?subscriptionId=${subscription.id}`);
      expect(deadLetters.body.data).toEqual([]);
    } finally {
      release();
      await slow.close();
    }
  });

  it('discards a dead letter after its workflow closed through a short run that writes the row, and answers with it', async () => {
    const source = await createCourierSource(stack);
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    const handle = stack.temporal.workflow.getHandle(deadLetter.workflowId);
    await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED', {
      timeoutMs: 60_000,
      what: 'the event workflow to close',
    });
    const discarded = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/discard`, { reason: 'obsolete' });
    expect(discarded.status, discarded.text).toBe(200);
    expect(discarded.body).toMatchObject({ id: deadLetter.id, status: 'discarded' });
    expect(discarded.body.resolvedAt).not.toBeNull();
    await waitForDeliveryStatus(stack, eventId, 'discarded');
    const run = stack.temporal.workflow.getHandle(`delivery:${eventId}:${subscription.id}`);
    expect(await run.result()).toMatchObject({ status: 'discarded', lanes: [{ status: 'discarded' }] });
    expect(target.byMessage(eventId)).toHaveLength(1);
  });
});
