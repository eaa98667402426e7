// The ingress checks in their order (docs/architecture.md, "The path of a webhook"), through Hono's in-process `app.request` (no sockets).
// Each request fails several checks at once; the answer must be the earliest one's. The last check (503 when
// Temporal is unreachable) is not here: startEvent waits out its 10 s deadline while the SDK retries the connection.
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBody } from '../../src/cli/sample-bodies.js';
import { loadConfig } from '../../src/config.js';
import { closeDatabase, openDatabase } from '../../src/db/client.js';
import { buildApp } from '../../src/http/app.js';
import { WorkflowStarter } from '../../src/temporal/workflow-client.js';
import { RateLimiter } from '../../src/ingress/rate-limiter.js';
import type { SourceRecord } from '../../src/ingress/source-cache.js';
import { createLogger } from '../../src/logging.js';
import { createApiMetrics } from '../../src/metrics/api-metrics.js';
import { signPartnerRequest, type SchemeName } from '../../src/schemes/index.js';

const SECRET = 'whsec_test_secret_123';
const source = (id: string, scheme: SchemeName, overrides: Partial<SourceRecord> = {}): SourceRecord => ({
  id,
  scheme,
  secrets: [{ value: SECRET, expiresAt: null }],
  toleranceSeconds: 300,
  idempotency: null,
  eventType: null,
  processor: { name: 'passthrough' },
  rateLimitPerMinute: null,
  maxBodyBytes: 1_024,
  enabled: true,
  createdAt: new Date(),
  updatedAt: new Date(),
  ...overrides,
});
const rows = new Map(
  [
    source('stripe', 'stripe'),
    source('stripe-limited', 'stripe', { rateLimitPerMinute: 1 }),
    source('courier-limited', 'hmac-sha256', { rateLimitPerMinute: 1 }),
    source('stripe-disabled', 'stripe', { enabled: false }),
  ].map((row) => [row.id, row]),
);

const db = openDatabase('postgres://nobody@127.0.0.1:1/none', 1); // never queried: ingress only looks sources up
const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }); // never reached by these tests
const rateLimiter = new RateLimiter();
const config = loadConfig({ NODE_ENV: 'test' });
const temporal = new Client({ connection });
const app = buildApp({
  config,
  db,
  temporal,
  starter: new WorkflowStarter(temporal, config),
  logger: createLogger('test', 'silent'),
  sources: { get: async (id) => rows.get(id), invalidate: (id) => void rows.delete(id) },
  rateLimiter,
  managementApiKey: 'hf_test_management_key_0123456789',
  metrics: createApiMetrics(db),
});

beforeAll(() => {
  // Spend the one token per minute of the limited sources: they stay over their limit for the whole file.
  for (const id of ['stripe-limited', 'courier-limited']) expect(rateLimiter.take(id, 1)).toEqual({ allowed: true });
});
afterAll(async () => {
  await connection.close();
  await closeDatabase(db);
});

const OVERSIZED = 'x'.repeat(2_048); // over maxBodyBytes (1024), not JSON
const stripeEvent = JSON.stringify(sampleBody('stripe'));
const signed = (body: string, scheme: SchemeName = 'stripe', timestampSeconds?: number) =>
  signPartnerRequest({ scheme, secret: SECRET, body, timestampSeconds });
const post = (sourceId: string, body: string, headers: Record<string, string>) =>
  app.request(`/v1/webhooks/${sourceId}`, { method: 'POST', body, headers });

/** Asserts an RFC 9457 answer with `status` and returns its body. */
async function expectProblem(response: Response, status: number): Promise<Record<string, unknown>> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({
    type: expect.any(String),
    title: expect.any(String),
    status,
    detail: expect.any(String),
    traceId: expect.any(String),
  });
  return body;
}

describe('ingress check order', () => {
  it.each(['no-such-source', 'stripe-disabled'])(
    'refuses an unknown or disabled source (%s) before reading its body',
    async (id) => {
      const body = await expectProblem(await post(id, OVERSIZED, { 'content-type': 'text/plain' }), 404);
      expect(body.detail).toContain(id);
    },
  );

  it('refuses an oversized body before looking at its content type or signature', async () => {
    const body = await expectProblem(await post('stripe', OVERSIZED, { 'content-type': 'text/plain' }), 413);
    expect(body.limitBytes).toBe(1_024);
  });

  it.each([
    { label: 'text/plain', headers: { 'content-type': 'text/plain' } },
    { label: 'no content type', headers: {} as Record<string, string> },
  ])('refuses a non-JSON media type ($label) before checking the signature', async ({ headers }) => {
    await expectProblem(await post('stripe', 'not json', { ...headers, 'stripe-signature': 't=1,v1=bad' }), 415);
  });

  it('accepts application/*+json as JSON and goes on to refuse the bad signature', async () => {
    await expectProblem(
      await post('stripe', 'not json', {
        'content-type': 'application/vnd.partner+json',
        'stripe-signature': 't=1,v1=bad',
      }),
      401,
    );
  });

  it.each([
    {
      label: 'a wrong signature',
      headers: {
        'content-type': 'application/json',
        'stripe-signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
    },
    { label: 'no signature', headers: { 'content-type': 'application/json' } },
    {
      label: 'a timestamp outside the tolerance',
      headers: signed('not json', 'stripe', Math.floor(Date.now() / 1000) - 3_600),
    },
  ])('refuses $label before parsing the body, even on a rate-limited source', async ({ headers }) => {
    const body = await expectProblem(await post('stripe-limited', 'not json', headers), 401);
    expect(body.detail).toMatch(/^Signature rejected: /);
  });

  it.each([
    { label: 'invalid JSON', raw: '{"id": "evt_1",' },
    { label: 'a JSON array', raw: '[1, 2, 3]' },
    { label: 'a JSON string', raw: '"evt_1"' },
  ])('refuses a correctly signed body that is $label before applying the rate limit', async ({ raw }) => {
    await expectProblem(await post('stripe-limited', raw, signed(raw)), 400);
  });

  it('refuses a signed courier body that is not an envelope, listing each failing field, before applying the rate limit', async () => {
    const { payload: _payload, ...incomplete } = sampleBody('hmac-sha256');
    const raw = JSON.stringify({ ...incomplete, occurredAt: 'yesterday' });
    const body = await expectProblem(await post('courier-limited', raw, signed(raw, 'hmac-sha256')), 400);
    const errors = body.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path).sort()).toEqual(['/occurredAt', '/payload']);
    for (const error of errors) expect(error.message).toEqual(expect.any(String));
  });

  it('refuses a valid, signed webhook over the rate limit with Retry-After, before trying Temporal', async () => {
    const response = await post('stripe-limited', stripeEvent, signed(stripeEvent));
    const body = await expectProblem(response, 429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(body.retryAfterSeconds).toBe(Number(response.headers.get('retry-after')));
  });
});
