import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCourierSource, fastRetries, subscribe, waitForDeliveryStatus } from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
let resolver: Sink;
let target: Sink;
let resolverUp = true;

beforeAll(async () => {
  stack = await startTestStack(fastRetries);
  // The "email provider" the fetch processor resolves pointer payloads against.
  resolver = await startSink((request) => {
    if (!resolverUp) return { status: 404, body: '{"error":"not found"}' };
    const id = decodeURIComponent(request.path.split('/').pop()!);
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, subject: `Email ${id}`, auth: request.headers.authorization }),
    };
  });
  target = await startSink();
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all([resolver?.close(), target?.close()]);
});

const fetchProcessor = () => ({
  name: 'fetch',
  url: `${resolver.url}/emails/{/payload/shipmentId}`,
  headers: { authorization: 'Bearer provider-token' },
});

describe('the fetch processor', () => {
  it('resolves a pointer payload at consume time and delivers the fetched document', async () => {
    const source = await createCourierSource(stack, { processor: fetchProcessor() });
    await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send({ payload: { shipmentId: 'em 42' } });
    await waitForDeliveryStatus(stack, eventId, 'delivered');
    const [request] = target.byMessage(eventId);
    expect(JSON.parse(request!.body).data).toEqual({
      id: 'em 42',
      subject: 'Email em 42',
      auth: 'Bearer provider-token',
    });
    expect(resolver.received.some((r) => r.path === '/emails/em%2042')).toBe(true);
  });

  it('dead-letters an event whose processing fails, and delivers it after a replay', async () => {
    resolverUp = false;
    const source = await createCourierSource(stack, { processor: fetchProcessor() });
    await subscribe(stack, target.url, source.id);
    const { eventId, workflowId } = await source.send();
    const deadLetter = await waitFor(
      async () => {
        const page = await manage(stack, 'GET', `/v1/dead-letters?sourceId=${source.id}&status=open`);
        return page.body.data[0] as Record<string, any> | undefined;
      },
      { what: 'a processing dead letter' },
    );
    expect(deadLetter).toMatchObject({
      stage: 'processing',
      reason: 'processing_failed',
      eventId,
      workflowId,
      deliveryId: null,
    });
    expect((await manage(stack, 'GET', `/v1/events/${eventId}`)).body.status).toBe('dead_lettered');

    resolverUp = true;
    expect((await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/replay`)).status).toBe(202);
    await waitForDeliveryStatus(stack, eventId, 'delivered');
    expect((await manage(stack, 'GET', `/v1/events/${eventId}`)).body.status).toBe('dispatched');
    expect((await manage(stack, 'GET', `/v1/dead-letters/${deadLetter.id}`)).body).toMatchObject({
      status: 'replayed',
      replayCount: 1,
    });
  });

  it('keeps the processor auth header out of the source view', async () => {
    const source = await createCourierSource(stack, { processor: fetchProcessor() });
    const view = await manage(stack, 'GET', `/v1/sources/${source.id}`);
    expect(view.text).not.toContain('provider-token');
  });
});
