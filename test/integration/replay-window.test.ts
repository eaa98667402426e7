import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

let stack: TestStack;
let target: Sink;
let healthy = false;

beforeAll(async () => {
  stack = await startTestStack({ ...fastRetries, DEAD_LETTER_REPLAY_WINDOW: '1s' });
  target = await startSink(() => ({ status: healthy ? 200 : 410 }));
});
afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

describe('replay after the replay window has closed', () => {
  it('runs the lane again in a redelivery workflow from the stored event: same delivery row, same message id', async () => {
    const source = await createCourierSource(stack);
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId, idempotencyKey } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    const handle = stack.temporal.workflow.getHandle(deadLetter.workflowId);
    // The window closes: the workflow completes while the dead letter stays open.
    expect(deadLetter.workflowId).toBe(`event:${source.id}:${idempotencyKey}`);
    await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED', {
      what: 'the event workflow to close',
    });

    healthy = true;
    const replay = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.workflowId).toBe(`delivery:${eventId}:${subscription.id}`);
    const detail = await waitForDeliveryStatus(stack, eventId, 'delivered');
    expect(detail.deliveries).toHaveLength(1);
    expect(detail.deliveries[0].attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([410, 200]);
    expect(target.byMessage(eventId).map((r) => r.headers['webhook-id'])).toEqual([eventId, eventId]);
    expect((await manage(stack, 'GET', `/v1/dead-letters/${deadLetter.id}`)).body).toMatchObject({
      status: 'replayed',
      replayCount: 1,
      workflowId: replay.body.workflowId,
    });
    expect(await stack.temporal.workflow.getHandle(replay.body.workflowId).result()).toMatchObject({
      status: 'delivered',
      lanes: [{ deliveryId: deadLetter.deliveryId, status: 'delivered', replayCount: 1 }],
    });
  });

  it('discards a dead letter whose workflow has already closed', async () => {
    healthy = false;
    const source = await createCourierSource(stack);
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    const handle = stack.temporal.workflow.getHandle(deadLetter.workflowId);
    await waitFor(async () => (await handle.describe()).status.name === 'COMPLETED', {
      what: 'the event workflow to close',
    });
    const discarded = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/discard`);
    expect(discarded.status).toBe(200);
    expect(discarded.body.status).toBe('discarded');
  });
});
