// Payload filters and transformations (README "Payload filters", "Transformations") through the
// management API, on real Temporal, PostgreSQL and HTTP subscribers.
import { createHash } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createCourierSource,
  fastRetries,
  subscribe,
  waitForDeadLetter,
  waitForDeliveryStatus,
} from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
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

/** Subscriptions only exercised through the API are scoped to a source that sends nothing. */
const API_ONLY = 'api-only-source';

const statusIs = (status: string) => ({ 'data.payload.status': status });

/** Waits until the event's workflow finished routing (its status left received/processing) and returns its detail. */
async function routedDetail(eventId: string) {
  return waitFor(
    async () => {
      const detail = await manage(stack, 'GET', `/v1/events/${eventId}`);
      return ['dispatched', 'skipped'].includes(detail.body?.status) ? detail.body : undefined;
    },
    { timeoutMs: 30_000, what: `event ${eventId} to be routed` },
  );
}

describe('payload filters', () => {
  it('refuses a filter with a bad operator with 400 naming its path, on create and on PATCH', async () => {
    const bad = await manage(stack, 'POST', '/v1/subscriptions', {
      url: 'http://127.0.0.1:9/x',
      sourceIds: [API_ONLY],
      filter: { $or: [{ type: 'a' }, { 'data.amount': { $gtt: 5 } }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(bad.body.errors).toEqual([
      { path: '/filter/$or/1/data.amount/$gtt', message: expect.stringContaining('unknown operator $gtt') },
    ]);
    const created = await manage(stack, 'POST', '/v1/subscriptions', {
      url: 'http://127.0.0.1:9/x',
      sourceIds: [API_ONLY],
    });
    const patched = await manage(stack, 'PATCH', `/v1/subscriptions/${created.body.id}`, {
      filter: { 'data.id': { $regex: '(?<=a)b' } },
    });
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0].path).toBe('/filter/data.id/$regex');
  });

  it('routes an event only to the subscriptions whose filter matches, and the event says which ones filtered it out', async () => {
    const source = await createCourierSource(stack);
    const [deliveredSink, lostSink] = await Promise.all([sinks.start(), sinks.start()]);
    const onDelivered = await subscribe(stack, deliveredSink.url, source.id, { filter: statusIs('delivered') });
    const onLost = await subscribe(stack, lostSink.url, source.id, {
      filter: { 'data.payload.status': { $in: ['lost', 'damaged'] } },
    });

    const delivered = await source.send();
    const lost = await source.send({ payload: { shipmentId: 'shp-x', status: 'lost' } });
    await waitForDeliveryStatus(stack, delivered.eventId, 'delivered');
    const lostDetail = await waitForDeliveryStatus(stack, lost.eventId, 'delivered');

    const deliveredDetail = (await manage(stack, 'GET', `/v1/events/${delivered.eventId}`)).body;
    expect(deliveredDetail.deliveries.map((d: { subscriptionId: string }) => d.subscriptionId)).toEqual([
      onDelivered.id,
    ]);
    expect(deliveredDetail.filteredOut).toEqual([onLost.id]);
    expect(lostDetail.deliveries.map((d: { subscriptionId: string }) => d.subscriptionId)).toEqual([onLost.id]);
    expect(lostDetail.filteredOut).toEqual([onDelivered.id]);
    expect(deliveredSink.received.map((r) => r.headers['webhook-id'])).toEqual([delivered.eventId]);
    expect(lostSink.received.map((r) => r.headers['webhook-id'])).toEqual([lost.eventId]);
  });

  it('skips an event every filter rejects, listing them all, and a PATCH that removes the filter applies to the next event', async () => {
    const source = await createCourierSource(stack);
    const target = await sinks.start();
    const subscription = await subscribe(stack, target.url, source.id, { filter: statusIs('returned') });
    const first = await source.send();
    const detail = await routedDetail(first.eventId);
    expect(detail.status).toBe('skipped');
    expect(detail.deliveries).toEqual([]);
    expect(detail.filteredOut).toEqual([subscription.id]);

    const patched = await manage(stack, 'PATCH', `/v1/subscriptions/${subscription.id}`, { filter: null });
    expect(patched.status).toBe(200);
    expect(patched.body.filter).toBeNull();
    const second = await source.send();
    await waitForDeliveryStatus(stack, second.eventId, 'delivered');
    expect(target.received.map((r) => r.headers['webhook-id'])).toEqual([second.eventId]);
  });

  it('filter-test answers whether a sample matches, and why, without sending anything', async () => {
    const target = await sinks.start();
    const created = await manage(stack, 'POST', '/v1/subscriptions', {
      url: target.url,
      sourceIds: [API_ONLY],
      eventTypes: ['order.created'],
      filter: { type: 'order.created', 'data.total': { $gte: 100 } },
    });
    const small = await manage(stack, 'POST', `/v1/subscriptions/${created.body.id}/filter-test`, {
      payload: { total: 20 },
    });
    expect(small.status).toBe(200);
    expect(small.body).toEqual({
      matches: false,
      reasons: [
        'type $eq "order.created": holds (found "order.created")',
        'data.total $gte 100: does not hold (found 20)',
      ],
    });
    const large = await manage(stack, 'POST', `/v1/subscriptions/${created.body.id}/filter-test`, {
      payload: { total: 250 },
    });
    expect(large.body.matches).toBe(true);
    expect(target.received).toHaveLength(0);
    const missing = await manage(stack, 'POST', '/v1/subscriptions/sub_nope/filter-test', { payload: {} });
    expect(missing.status).toBe(404);
  });
});

describe('transformations', () => {
  it('sends the transformed body and headers, signed over the transformed bytes, and logs their size and hash', async () => {
    const source = await createCourierSource(stack);
    const target = await sinks.start();
    const subscription = await subscribe(stack, target.url, source.id, {
      transform: '{ "body": { "shipment": data.payload.shipmentId, "kind": type }, "headers": { "x-kind": type } }',
    });
    const sent = await source.send({ payload: { shipmentId: 'shp-42', status: 'delivered' } });
    const detail = await waitForDeliveryStatus(stack, sent.eventId, 'delivered');

    const [request] = target.byMessage(sent.eventId);
    expect(JSON.parse(request!.body)).toEqual({ shipment: 'shp-42', kind: 'shipment.delivered' });
    expect(request!.headers['x-kind']).toBe('shipment.delivered');
    // The signature covers the transformed body: a standard verifier accepts it.
    expect(new Webhook(subscription.secret).verify(request!.body, request!.headers as Record<string, string>)).toEqual({
      shipment: 'shp-42',
      kind: 'shipment.delivered',
    });
    const [attempt] = detail.deliveries[0].attempts;
    expect(attempt.bodyBytes).toBe(Buffer.byteLength(request!.body));
    expect(attempt.bodySha256).toBe(createHash('sha256').update(request!.body).digest('hex'));
  });

  it('settles a delivery the transform cancels without a request, and the event workflow completes', async () => {
    const source = await createCourierSource(stack);
    const target = await sinks.start();
    await subscribe(stack, target.url, source.id, {
      transform: 'data.payload.status = "delivered" ? { "cancel": true } : $',
    });
    const cancelled = await source.send();
    const kept = await source.send({ payload: { shipmentId: 'shp-k', status: 'lost' } });
    const detail = await waitForDeliveryStatus(stack, cancelled.eventId, 'cancelled');
    await waitForDeliveryStatus(stack, kept.eventId, 'delivered');
    expect(detail.deliveries[0].attempts).toEqual([]);
    const handle = stack.temporal.workflow.getHandle(cancelled.workflowId);
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(target.received.map((r) => r.headers['webhook-id'])).toEqual([kept.eventId]);
  });

  it('dead-letters a failing or runaway transform as transform_failed at once, without a request or a retry', async () => {
    const source = await createCourierSource(stack);
    const target = await sinks.start();
    const failing = await subscribe(stack, target.url, source.id, { transform: '$error("no mapping for " & type)' });
    const runaway = await subscribe(stack, target.url, source.id, {
      transform: '($f := function($n) { $n > 1e12 ? $n : $f($n + 1) }; $f(0))',
    });
    const sent = await source.send();
    const failed = await waitForDeadLetter(stack, failing.id, sent.eventId);
    const ranAway = await waitForDeadLetter(stack, runaway.id, sent.eventId);
    expect(failed).toMatchObject({ reason: 'transform_failed', attempts: 0 });
    expect(failed.lastError).toContain('no mapping for shipment.delivered');
    expect(ranAway).toMatchObject({ reason: 'transform_failed', attempts: 0 });
    expect(ranAway.lastError).toMatch(/D1012|timeout/i);
    expect(target.received).toHaveLength(0);
  });

  it('refuses an expression that does not compile (400) and transform-test returns the output or a 422 with the error', async () => {
    const bad = await manage(stack, 'POST', '/v1/subscriptions', {
      url: 'http://127.0.0.1:9/x',
      sourceIds: [API_ONLY],
      transform: '{ "a": ',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toEqual({ path: '/transform', message: expect.stringContaining('JSONata') });

    const created = await manage(stack, 'POST', '/v1/subscriptions', {
      url: 'http://127.0.0.1:9/x',
      sourceIds: [API_ONLY],
      eventTypes: ['order.created'],
      transform:
        'data.total > 0 ? { "body": { "cents": data.total * 100 }, "headers": { "x-t": type } } : $error("empty order")',
    });
    expect(created.status).toBe(201);
    const ok = await manage(stack, 'POST', `/v1/subscriptions/${created.body.id}/transform-test`, {
      payload: { total: 12.5 },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ body: { cents: 1250 }, headers: { 'x-t': 'order.created' }, cancelled: false });
    const failed = await manage(stack, 'POST', `/v1/subscriptions/${created.body.id}/transform-test`, {
      payload: { total: 0 },
    });
    expect(failed.status).toBe(422);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    expect(failed.body.detail).toContain('empty order');
  });
});
