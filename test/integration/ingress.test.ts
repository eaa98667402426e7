import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { events } from '../../src/db/schema.js';
import { startApi } from '../../src/http/server.js';
import { createLogger } from '../../src/logging.js';
import { eventIdFor } from '../../src/ids.js';
import type { SchemeName } from '../../src/schemes/index.js';
import { sampleBody } from '../../src/cli/sample-bodies.js';
import { signPartnerRequest } from '../../src/schemes/index.js';
import { freePort } from '../../src/dev/free-port.js';
import { manage } from '../helpers/management.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { startTestStack, uniqueId, type TestStack } from '../helpers/stack.js';
import { inject } from 'vitest';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

const secretFor = (scheme: SchemeName) =>
  scheme === 'standard-webhooks'
    ? `whsec_${randomBytes(24).toString('base64')}`
    : `secret-${randomBytes(12).toString('hex')}`;

async function createSource(scheme: SchemeName, extra: Record<string, unknown> = {}) {
  const id = uniqueId(scheme.replace(/[^a-z]/g, ''));
  const secret = secretFor(scheme);
  const created = await manage(stack, 'POST', '/v1/sources', { id, scheme, secret, ...extra });
  expect(created.status, created.text).toBe(201);
  return { id, secret };
}

function post(sourceId: string, body: string, headers: Record<string, string>) {
  return fetch(`${stack.url}/v1/webhooks/${sourceId}`, { method: 'POST', headers, body });
}

async function expectProblem(response: Response, status: number) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  const problem = await response.json();
  expect(problem).toMatchObject({
    status,
    type: expect.any(String),
    title: expect.any(String),
    detail: expect.any(String),
    traceId: expect.any(String),
  });
  return problem;
}

const timestamped: SchemeName[] = ['standard-webhooks', 'stripe', 'hmac-sha256'];
const allSchemes: SchemeName[] = ['standard-webhooks', 'stripe', 'github', 'shopify', 'hmac-sha256'];

describe.each(allSchemes)('ingress for the %s scheme', (scheme) => {
  let source: { id: string; secret: string };
  beforeAll(async () => {
    source = await createSource(scheme);
  });

  const signed = (overrides: { secret?: string; timestampSeconds?: number; body?: string } = {}) => {
    const id = `key-${randomUUID()}`;
    const body = overrides.body ?? JSON.stringify(sampleBody(scheme, { id }));
    const headers = signPartnerRequest({
      scheme,
      secret: overrides.secret ?? source.secret,
      body,
      id,
      eventType: 'orders/create',
      timestampSeconds: overrides.timestampSeconds,
    });
    return { body, headers };
  };

  it('accepts a valid request with 202 and answers its replay with 200 duplicate and the same event id', async () => {
    const { body, headers } = signed();
    const first = await post(source.id, body, headers);
    expect(first.status).toBe(202);
    const accepted = await first.json();
    expect(accepted).toMatchObject({
      acknowledged: true,
      duplicate: false,
      eventId: expect.stringMatching(/^evt_/),
      workflowId: `event:${source.id}:${accepted.idempotencyKey}`,
      receivedAt: expect.any(String),
      traceId: expect.any(String),
    });
    expect(accepted.eventId).toBe(eventIdFor(source.id, accepted.idempotencyKey));
    const replay = await post(source.id, body, headers);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({
      acknowledged: true,
      duplicate: true,
      eventId: accepted.eventId,
      workflowId: accepted.workflowId,
    });
  });

  it('refuses a tampered body with 401', async () => {
    const { body, headers } = signed();
    await expectProblem(await post(source.id, body.replace('{', '{"tampered":true,'), headers), 401);
  });

  it('refuses a signature made with another secret with 401', async () => {
    const { body, headers } = signed({ secret: secretFor(scheme) });
    const problem = await expectProblem(await post(source.id, body, headers), 401);
    expect(JSON.stringify(problem)).not.toContain(source.secret);
  });

  it('refuses a request without its signature header with 401', async () => {
    const { body, headers } = signed();
    const stripped = Object.fromEntries(Object.entries(headers).filter(([name]) => !/signature|hmac/.test(name)));
    await expectProblem(await post(source.id, body, stripped), 401);
  });

  it.runIf(timestamped.includes(scheme))('refuses stale and future timestamps with 401, saying which', async () => {
    const now = Math.floor(Date.now() / 1000);
    const stale = await expectProblem(
      await post(
        source.id,
        ...(Object.values(signed({ timestampSeconds: now - 400 })) as [string, Record<string, string>]),
      ),
      401,
    );
    expect(stale.detail).toMatch(/older/);
    const future = await expectProblem(
      await post(
        source.id,
        ...(Object.values(signed({ timestampSeconds: now + 400 })) as [string, Record<string, string>]),
      ),
      401,
    );
    expect(future.detail).toMatch(/future/);
  });
});

describe('ingress route checks', () => {
  it('answers 404 for an unknown source and for a disabled one', async () => {
    await expectProblem(await postHmacWebhook(stack.url, 'no-such-source', 'x'.repeat(10), courierEnvelope()), 404);
    const source = await createSource('hmac-sha256', { enabled: false });
    await expectProblem(await postHmacWebhook(stack.url, source.id, source.secret, courierEnvelope()), 404);
  });

  it("answers 413 for a body over the source's limit, declared or streamed", async () => {
    const source = await createSource('hmac-sha256', { maxBodyBytes: 1_000 });
    const big = courierEnvelope({ payload: { filler: 'x'.repeat(2_000) } });
    await expectProblem(await postHmacWebhook(stack.url, source.id, source.secret, big), 413);
    // No content-length: the limit must cut the stream.
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 20; i++) controller.enqueue(new TextEncoder().encode('x'.repeat(500)));
        controller.close();
      },
    });
    const streamed = await fetch(`${stack.url}/v1/webhooks/${source.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(streamed, 413);
  });

  it('answers 415 for a body that is not declared as JSON', async () => {
    const source = await createSource('hmac-sha256');
    await expectProblem(
      await postHmacWebhook(stack.url, source.id, source.secret, courierEnvelope(), {
        headers: { 'content-type': 'text/plain' },
      }),
      415,
    );
  });

  it('answers 400 for signed malformed JSON and for a bad courier envelope, naming the failing paths', async () => {
    const source = await createSource('hmac-sha256');
    const malformed = await expectProblem(
      await postHmacWebhook(stack.url, source.id, source.secret, '{"eventId": '),
      400,
    );
    expect(malformed.detail).toMatch(/JSON/);
    const bad = await expectProblem(
      await postHmacWebhook(stack.url, source.id, source.secret, { eventType: 'x', payload: 'nope' }),
      400,
    );
    const paths = bad.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/eventId', '/occurredAt', '/idempotencyKey', '/payload']));
  });

  it('answers 429 with Retry-After once a source is over its rate limit', async () => {
    const source = await createSource('hmac-sha256', { rateLimitPerMinute: 3 });
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < 5; i++) {
      const response = await postHmacWebhook(stack.url, source.id, source.secret, courierEnvelope());
      statuses.push(response.status);
      if (response.status === 429) limited = response;
    }
    expect(statuses).toEqual([202, 202, 202, 429, 429]);
    expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await expectProblem(limited!, 429);
  });

  it('uses a per-source override (JSON pointer) for the idempotency key and event type', async () => {
    const source = await createSource('stripe', {
      idempotencyKey: { pointer: '/data/object/id' },
      eventType: { header: 'x-kind' },
    });
    const body = JSON.stringify({ id: 'evt_ignored', type: 'ignored', data: { object: { id: 'obj_42' } } });
    const response = await post(source.id, body, {
      ...signPartnerRequest({ scheme: 'stripe', secret: source.secret, body }),
      'x-kind': 'custom.kind',
    });
    expect(response.status).toBe(202);
    const accepted = await response.json();
    expect(accepted.idempotencyKey).toBe('obj_42');
    await stack.temporal.workflow.getHandle(accepted.workflowId).result();
    const row = await stack.db.query.events.findFirst({ where: (e, { eq }) => eq(e.id, accepted.eventId) });
    expect(row?.eventType).toBe('custom.kind');
  });

  it('hashes keys that are too long or unsafe into sha256:<hex>, and falls back to the body hash when there is no key', async () => {
    const source = await createSource('hmac-sha256');
    const unsafe = await postHmacWebhook(
      stack.url,
      source.id,
      source.secret,
      courierEnvelope({ idempotencyKey: 'has spaces/and slashes' }),
    );
    expect((await unsafe.json()).idempotencyKey).toMatch(/^sha256:[0-9a-f]{64}$/);
    const github = await createSource('github');
    const body = JSON.stringify({ zen: 'hi' });
    const headers = signPartnerRequest({ scheme: 'github', secret: github.secret, body });
    delete headers['x-github-delivery'];
    const keyless = await post(github.id, body, headers);
    expect((await keyless.json()).idempotencyKey).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('treats an event already in the ledger (beyond Temporal retention) as a duplicate and does nothing else', async () => {
    const source = await createSource('hmac-sha256');
    const envelope = courierEnvelope();
    const eventId = eventIdFor(source.id, envelope.idempotencyKey);
    await stack.db.insert(events).values({
      id: eventId,
      sourceId: source.id,
      idempotencyKey: envelope.idempotencyKey,
      eventType: 'shipment.delivered',
      payload: {},
      payloadSha256: 'x',
      receivedAt: new Date(Date.now() - 90 * 86_400_000),
      status: 'dispatched',
      workflowId: `event:${source.id}:${envelope.idempotencyKey}`,
      workflowRunId: 'an-old-run',
    });
    const response = await postHmacWebhook(stack.url, source.id, source.secret, envelope);
    expect(response.status).toBe(202);
    const { workflowId } = await response.json();
    expect(await stack.temporal.workflow.getHandle(workflowId).result()).toMatchObject({ status: 'duplicate' });
    const row = await stack.db.query.events.findFirst({ where: (e, { eq }) => eq(e.id, eventId) });
    expect(row).toMatchObject({ status: 'dispatched', workflowRunId: 'an-old-run' });
  });
});

describe('exactly-once acceptance under concurrency', () => {
  it('answers 100 concurrent requests with 10 repeats with exactly 90 × 202 and 10 × 200, and starts 90 workflows', async () => {
    const source = await createSource('hmac-sha256');
    const envelopes = Array.from({ length: 90 }, () => courierEnvelope());
    const requests = [...envelopes, ...envelopes.slice(0, 10)].map((envelope) =>
      postHmacWebhook(stack.url, source.id, source.secret, envelope),
    );
    const responses = await Promise.all(requests);
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(90);
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    const count = await stack.temporal.workflow.count(`HookflowSource = "${source.id}"`);
    // Visibility is eventually consistent: wait for it to settle before asserting the exact count.
    let settled = count.count;
    for (let i = 0; i < 50 && settled < 90; i++) {
      await new Promise((r) => setTimeout(r, 200));
      settled = (await stack.temporal.workflow.count(`HookflowSource = "${source.id}"`)).count;
    }
    expect(settled).toBe(90);
  });
});

describe('when Temporal is unreachable and spillover is off', () => {
  it('answers 503 with Retry-After and acknowledges nothing', async () => {
    const deadPort = await freePort();
    const config = loadConfig({
      NODE_ENV: 'test',
      PORT: '0',
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}`,
      MANAGEMENT_API_KEY: stack.managementKey,
      // Spillover off: the 503 path (with spillover the outbox takes it; see spillover.test.ts).
      INGRESS_SPILLOVER_AFTER: 'off',
    });
    const api = await startApi(config, createLogger('test', 'silent'), stack.managementKey, '127.0.0.1');
    try {
      const source = await createSource('hmac-sha256');
      const envelope = courierEnvelope();
      const response = await postHmacWebhook(api.url, source.id, source.secret, envelope);
      const problem = await expectProblem(response, 503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(problem.detail).toMatch(/Temporal/);
      const ready = await fetch(`${api.url}/readyz`);
      expect(ready.status).toBe(503);
      expect((await ready.json()).failed).toEqual(['temporal']);
      // The partner retries once Temporal is back: the real stack accepts it as new, not as a duplicate.
      const retried = await postHmacWebhook(stack.url, source.id, source.secret, envelope);
      expect(retried.status).toBe(202);
    } finally {
      await api.stop();
    }
  });
});
