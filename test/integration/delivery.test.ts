import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stateQuery } from '../../src/domain/signals.js';
import {
  createCourierSource,
  fastRetries,
  subscribe,
  waitForDeadLetter,
  waitForDeliveryStatus,
} from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { sinkPool } from '../helpers/sink.js';
import { itWithCache, startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
const sinks = sinkPool();
const sink = sinks.start;

beforeAll(async () => {
  stack = await startTestStack(fastRetries);
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

describe('fan-out and signed delivery', () => {
  itWithCache(
    'delivers 20 events exactly once each, verifiably signed, and nothing to a non-matching subscriber',
    async () => {
      const source = await createCourierSource(stack);
      const matching = await sink();
      const other = await sink();
      const subscription = await subscribe(stack, matching.url, source.id, { eventTypes: ['shipment.*'] });
      await subscribe(stack, other.url, source.id, { eventTypes: ['invoice.paid'] });
      const accepted = await Promise.all(Array.from({ length: 20 }, () => source.send()));
      for (const { eventId } of accepted) await waitForDeliveryStatus(stack, eventId, 'delivered');

      expect(matching.received).toHaveLength(20);
      const verifier = new Webhook(subscription.secret);
      for (const { eventId } of accepted) {
        const [request] = matching.byMessage(eventId);
        expect(matching.byMessage(eventId)).toHaveLength(1);
        const verified = verifier.verify(request!.body, request!.headers as Record<string, string>) as Record<
          string,
          unknown
        >;
        expect(verified).toMatchObject({
          id: eventId,
          type: 'shipment.delivered',
          source: source.id,
          data: { eventType: 'shipment.delivered' },
        });
        expect(request!.headers['user-agent']).toMatch(/^Hookflow\//);
      }
      expect(other.received).toHaveLength(0);
    },
  );

  it('adds the static headers of a subscription', async () => {
    const source = await createCourierSource(stack);
    const target = await sink();
    await subscribe(stack, target.url, source.id, {
      headers: { authorization: 'Bearer endpoint-token', 'x-tenant': 'acme' },
    });
    const { eventId } = await source.send();
    await waitForDeliveryStatus(stack, eventId, 'delivered');
    expect(target.received[0]!.headers).toMatchObject({ authorization: 'Bearer endpoint-token', 'x-tenant': 'acme' });
  });
});

describe('outcome classification and retries', () => {
  it('delivers on the third attempt after 503, 503, and lists the attempts in the event detail', async () => {
    const source = await createCourierSource(stack);
    const target = await sink((_, seen) => ({ status: seen < 2 ? 503 : 200 }));
    await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const detail = await waitForDeliveryStatus(stack, eventId, 'delivered');
    expect(detail.deliveries[0].attempts.map((a: { statusCode: number }) => a.statusCode)).toEqual([503, 503, 200]);
    expect(detail.deliveries[0].attempts.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);
    expect(new Set(target.byMessage(eventId).map((r) => r.headers['webhook-id']))).toEqual(new Set([eventId]));
  });

  it('waits for Retry-After (seconds) before the next attempt', async () => {
    const source = await createCourierSource(stack);
    const target = await sink((_, seen) =>
      seen === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 },
    );
    await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    await waitForDeliveryStatus(stack, eventId, 'delivered');
    const [first, second] = target.byMessage(eventId);
    const gap = second!.at - first!.at;
    expect(gap).toBeGreaterThanOrEqual(1_900);
    expect(gap).toBeLessThan(4_500);
  });

  it('dead-letters a 410 as rejected_by_endpoint after one attempt', async () => {
    const source = await createCourierSource(stack);
    const target = await sink(() => ({ status: 410 }));
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    expect(deadLetter).toMatchObject({
      stage: 'delivery',
      reason: 'rejected_by_endpoint',
      attempts: 1,
      status: 'open',
      subscriptionId: subscription.id,
      sourceId: source.id,
    });
    expect(target.byMessage(eventId)).toHaveLength(1);
    const detail = await manage(stack, 'GET', `/v1/events/${eventId}`);
    expect(detail.body.deliveries[0].status).toBe('dead_lettered');
  });

  it('dead-letters an endpoint that always answers 500 as retries_exhausted after exactly DELIVERY_RETRY_MAX_ATTEMPTS attempts', async () => {
    const source = await createCourierSource(stack);
    const target = await sink(() => ({ status: 500 }));
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    expect(deadLetter).toMatchObject({
      reason: 'retries_exhausted',
      attempts: Number(fastRetries.DELIVERY_RETRY_MAX_ATTEMPTS),
    });
    expect(target.byMessage(eventId)).toHaveLength(Number(fastRetries.DELIVERY_RETRY_MAX_ATTEMPTS));
    const handle = stack.temporal.workflow.getHandle(deadLetter.workflowId);
    expect(await handle.query(stateQuery)).toMatchObject({
      status: 'dead_lettered',
      lanes: [
        {
          subscriptionId: subscription.id,
          deliveryId: deadLetter.deliveryId,
          status: 'dead_lettered',
          attempts: 4,
          deadLetterId: deadLetter.id,
          settled: false,
        },
      ],
    });
  });

  it('dead-letters a delivery whose subscription was disabled as subscription_disabled', async () => {
    const source = await createCourierSource(stack);
    const target = await sink(() => ({ status: 503 }));
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    await waitFor(async () => target.byMessage(eventId).length >= 1, { what: 'a first attempt' });
    await manage(stack, 'POST', `/v1/subscriptions/${subscription.id}/disable`);
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    expect(deadLetter.reason).toBe('subscription_disabled');
  });
});

describe('secret rotation', () => {
  // Two rotations, so neither half depends on how fast a delivery is: one with a grace window far
  // longer than any delivery, one whose window has certainly closed before its event is sent.
  it('signs with both secrets during the grace window, then only with the new one', async () => {
    const source = await createCourierSource(stack);
    const target = await sink();
    const inWindow = await subscribe(stack, target.url, source.id);
    const rotated = await manage(stack, 'POST', `/v1/subscriptions/${inWindow.id}/rotate-secret`, {
      graceSeconds: 3_600,
    });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(inWindow.secret);
    const during = await source.send();
    await waitForDeliveryStatus(stack, during.eventId, 'delivered');
    const [inGrace] = target.byMessage(during.eventId);
    expect(inGrace!.headers['webhook-signature']!.toString().split(' ')).toHaveLength(2);
    for (const secret of [rotated.body.secret, inWindow.secret])
      expect(() => new Webhook(secret).verify(inGrace!.body, inGrace!.headers as Record<string, string>)).not.toThrow();

    const otherSource = await createCourierSource(stack);
    const otherTarget = await sink();
    const closed = await subscribe(stack, otherTarget.url, otherSource.id);
    const shortRotation = await manage(stack, 'POST', `/v1/subscriptions/${closed.id}/rotate-secret`, {
      graceSeconds: 1,
    });
    // The window closed at most 1 s after the answer came back.
    await new Promise((r) => setTimeout(r, 1_200));
    const after = await otherSource.send();
    await waitForDeliveryStatus(stack, after.eventId, 'delivered');
    const [late] = otherTarget.byMessage(after.eventId);
    expect(late!.headers['webhook-signature']!.toString().split(' ')).toHaveLength(1);
    expect(() =>
      new Webhook(shortRotation.body.secret).verify(late!.body, late!.headers as Record<string, string>),
    ).not.toThrow();
    expect(() => new Webhook(closed.secret).verify(late!.body, late!.headers as Record<string, string>)).toThrow();
  });
});

describe('replay', () => {
  itWithCache(
    'replays by API, by `temporal workflow signal`, and in bulk; every message keeps its webhook-id and no delivery row is added',
    async () => {
      const source = await createCourierSource(stack);
      let healthy = false;
      const target = await sink(() => ({ status: healthy ? 200 : 410 }));
      const subscription = await subscribe(stack, target.url, source.id);
      const sent = await Promise.all(Array.from({ length: 5 }, () => source.send()));
      const dead = await Promise.all(sent.map(({ eventId }) => waitForDeadLetter(stack, subscription.id, eventId)));
      healthy = true;

      expect(
        (await manage(stack, 'POST', `/v1/dead-letters/${dead[0]!.id}/replay`, { reason: 'endpoint fixed' })).status,
      ).toBe(202);
      await promisify(execFile)(inject('temporalCliPath'), [
        'workflow',
        'signal',
        '--address',
        stack.config.TEMPORAL_ADDRESS!,
        '--workflow-id',
        dead[1]!.workflowId,
        '--name',
        'replay',
      ]);
      await waitForDeliveryStatus(stack, dead[1]!.eventId, 'delivered');
      const bulk = await manage(stack, 'POST', `/v1/dead-letters/replay?subscriptionId=${subscription.id}`);
      expect(bulk.body).toEqual({ count: 3 });

      for (const { eventId } of sent) {
        const detail = await waitForDeliveryStatus(stack, eventId, 'delivered');
        expect(detail.deliveries).toHaveLength(1);
        const requests = target.byMessage(eventId);
        expect(requests).toHaveLength(2);
        expect(requests.every((r) => r.headers['webhook-id'] === eventId)).toBe(true);
      }
      const replayed = await manage(stack, 'GET', `/v1/dead-letters?subscriptionId=${subscription.id}&status=replayed`);
      expect(replayed.body.data).toHaveLength(5);
      expect(replayed.body.data.every((d: { replayCount: number }) => d.replayCount === 1)).toBe(true);
      expect((await manage(stack, 'POST', `/v1/dead-letters/${dead[0]!.id}/replay`)).status).toBe(409);
    },
  );

  it('discards a dead letter without delivering it', async () => {
    const source = await createCourierSource(stack);
    const target = await sink(() => ({ status: 410 }));
    const subscription = await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    const discarded = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/discard`);
    expect(discarded.body).toMatchObject({ status: 'discarded', resolvedAt: expect.any(String) });
    await waitForDeliveryStatus(stack, eventId, 'discarded');
    const state = await waitFor(
      async () => {
        const s = await stack.temporal.workflow.getHandle(deadLetter.workflowId).query(stateQuery);
        return s.status === 'discarded' ? s : undefined;
      },
      { what: 'the workflow to record the discard' },
    );
    expect(state.status).toBe('discarded');
    expect(target.byMessage(eventId)).toHaveLength(1);
  });
});

describe('subscription test endpoint', () => {
  it('sends a synthetic hookflow.test event to that endpoint only', async () => {
    const source = await createCourierSource(stack);
    const target = await sink();
    const bystander = await sink();
    const subscription = await subscribe(stack, target.url, source.id);
    await subscribe(stack, bystander.url, source.id);
    const test = await manage(stack, 'POST', `/v1/subscriptions/${subscription.id}/test`);
    expect(test.status).toBe(202);
    await waitForDeliveryStatus(stack, test.body.eventId, 'delivered');
    const [request] = target.byMessage(test.body.eventId);
    expect(
      new Webhook(subscription.secret).verify(request!.body, request!.headers as Record<string, string>),
    ).toMatchObject({ type: 'hookflow.test' });
    expect(bystander.received).toHaveLength(0);
    const deliveries = await manage(stack, 'GET', `/v1/subscriptions/${subscription.id}/deliveries?status=delivered`);
    expect(deliveries.body.data.map((d: { eventId: string }) => d.eventId)).toEqual([test.body.eventId]);
  });
});
