// acceptWebhook's hand-over (spillover: docs/architecture.md, "The path of a webhook"): to Temporal, to the outbox, or refused, with the
// start and the outbox as stand-ins whose timing each test controls. No servers.
import { describe, expect, it } from 'vitest';
import { acceptWebhook, type IngressDependencies } from '../../src/ingress/accept-webhook.js';
import { RateLimiter } from '../../src/ingress/rate-limiter.js';
import type { SourceRecord } from '../../src/ingress/source-cache.js';
import { createLogger } from '../../src/logging.js';
import { signPartnerRequest } from '../../src/schemes/index.js';
import { TemporalUnavailable } from '../../src/temporal/workflow-client.js';

const SECRET = 'spill-secret-123';
const source: SourceRecord = {
  id: 'stripe',
  scheme: 'stripe',
  secrets: [{ value: SECRET, expiresAt: null }],
  toleranceSeconds: 300,
  idempotency: null,
  eventType: null,
  processor: { name: 'passthrough' },
  rateLimitPerMinute: null,
  maxBodyBytes: 65_536,
  enabled: true,
  createdAt: new Date(),
  updatedAt: new Date(),
};
const never = () => new Promise<never>(() => {});
const unavailable = async (): Promise<never> => {
  throw new TemporalUnavailable('Temporal is down');
};

function deps(overrides: Partial<IngressDependencies>): IngressDependencies & { spilled: string[] } {
  const spilled: string[] = [];
  return {
    sources: { get: async (id) => (id === source.id ? source : undefined) },
    rateLimiter: new RateLimiter(),
    startEvent: async () => ({ workflowId: 'ignored', duplicate: false }),
    spill: async (input) => {
      const inserted = !spilled.includes(input.idempotencyKey);
      spilled.push(input.idempotencyKey);
      return { inserted };
    },
    spillAfterMs: 50,
    ...overrides,
    spilled,
  };
}

function webhook(id = `evt_${Math.random().toString(36).slice(2)}`) {
  const body = JSON.stringify({ id, type: 'payment_intent.succeeded', data: {} });
  const headers = signPartnerRequest({ scheme: 'stripe', secret: SECRET, body });
  const request = new Request('http://hookflow.test/v1/webhooks/stripe', { method: 'POST', body, headers });
  return {
    request,
    header: (name: string) => request.headers.get(name) ?? undefined,
    traceId: 't',
    log: createLogger('test', 'silent'),
  };
}

describe('spillover at ingress', () => {
  it('answers from Temporal when the start is quick, without touching the outbox', async () => {
    const d = deps({});
    expect(await acceptWebhook(d, 'stripe', webhook())).toMatchObject({
      accepted: true,
      duplicate: false,
      spilled: false,
    });
    expect(d.spilled).toEqual([]);
  });

  it('spills a webhook whose start has not answered within INGRESS_SPILLOVER_AFTER', async () => {
    const d = deps({ startEvent: never });
    const started = Date.now();
    expect(await acceptWebhook(d, 'stripe', webhook())).toMatchObject({
      accepted: true,
      duplicate: false,
      spilled: true,
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(d.spilled).toHaveLength(1);
  });

  it('spills at once when Temporal is unavailable, and with INGRESS_SPILLOVER_AFTER=0 without trying Temporal', async () => {
    let tried = 0;
    const down = deps({ startEvent: unavailable, spillAfterMs: 10_000 });
    expect(await acceptWebhook(down, 'stripe', webhook())).toMatchObject({ spilled: true });
    const always = deps({ startEvent: async () => (tried++, { workflowId: 'x', duplicate: false }), spillAfterMs: 0 });
    expect(await acceptWebhook(always, 'stripe', webhook())).toMatchObject({ spilled: true });
    expect(tried).toBe(0);
  });

  it('answers a duplicate of a spilled event 200 with the same event id', async () => {
    const d = deps({ startEvent: unavailable });
    const first = await acceptWebhook(d, 'stripe', webhook('evt_same'));
    const second = await acceptWebhook(d, 'stripe', webhook('evt_same'));
    expect(first).toMatchObject({ accepted: true, spilled: true, duplicate: false });
    expect(second).toMatchObject({
      accepted: true,
      spilled: false,
      duplicate: true,
      eventId: (first as { eventId: string }).eventId,
    });
  });

  it('refuses with 503 only when neither Temporal nor the outbox takes it, and never spills with spillover off', async () => {
    const outboxDown = async (): Promise<never> => {
      throw new Error('PostgreSQL is down');
    };
    expect(
      await acceptWebhook(deps({ startEvent: unavailable, spill: outboxDown }), 'stripe', webhook()),
    ).toMatchObject({
      accepted: false,
      kind: 'unavailable',
      dependency: 'Temporal',
    });
    const off = deps({ startEvent: unavailable, spillAfterMs: null });
    expect(await acceptWebhook(off, 'stripe', webhook())).toMatchObject({ accepted: false, kind: 'unavailable' });
    expect(off.spilled).toEqual([]);
  });

  it('waits out a slow start when the outbox is down, and accepts it if Temporal takes it after all', async () => {
    const slowButFine = () =>
      new Promise<{ workflowId: string; duplicate: boolean }>((done) =>
        setTimeout(() => done({ workflowId: 'w', duplicate: false }), 150),
      );
    const d = deps({ startEvent: slowButFine, spill: async () => Promise.reject(new Error('PostgreSQL is down')) });
    expect(await acceptWebhook(d, 'stripe', webhook())).toMatchObject({
      accepted: true,
      spilled: false,
      duplicate: false,
    });
  });
});
