import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { closeDatabase, openDatabase, type Database } from '../../src/db/client.js';
import { buildApp } from '../../src/http/app.js';
import { RateLimiter } from '../../src/ingress/rate-limiter.js';
import { WorkflowStarter } from '../../src/temporal/workflow-client.js';
import { SourceCache } from '../../src/ingress/source-cache.js';
import { createLogger } from '../../src/logging.js';
import { createApiMetrics } from '../../src/metrics/api-metrics.js';
import { freePort } from '../../src/dev/free-port.js';
import { spawnLogged, type LoggedProcess } from '../helpers/logged-process.js';
import { manage } from '../helpers/management.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { uniqueId } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// The API and the worker run as real child processes (workers/api.ts, workers/worker.ts) so that their
// logs are exactly what production writes: createLogger() writes to stdout and takes no destination.
const managementKey = `hf_test_${randomBytes(18).toString('base64url')}`;
let api: LoggedProcess | undefined;
let worker: LoggedProcess | undefined;
let stack: { url: string; managementKey: string };
let db: Database;
const sinks: Sink[] = [];

beforeAll(async () => {
  const env = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'debug',
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: uniqueId('hookflow-security'),
    MANAGEMENT_API_KEY: managementKey,
    ALLOW_PRIVATE_TARGETS: 'true',
    SOURCE_CACHE_TTL: '200ms',
    WORKER_METRICS_PORT: '0',
    DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
    DATABASE_POOL_SIZE: '3',
  };
  const port = await freePort();
  [api, worker] = await Promise.all([
    spawnLogged('api', { ...env, PORT: String(port) }, 'api_listening'),
    spawnLogged('worker', env, 'worker_started'),
  ]);
  stack = { url: `http://127.0.0.1:${port}`, managementKey };
  db = openDatabase(inject('databaseUrl'), 1);
});
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await Promise.all(sinks.map((s) => s.close()));
  if (db) await closeDatabase(db);
});

const NOT_MANAGEMENT = [
  /^\/v1\/webhooks\//,
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/metrics$/,
  /^\/openapi\.json$/,
  /^\/docs(\/|$)/,
];
const isManagement = (path: string) => !NOT_MANAGEMENT.some((re) => re.test(path));
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Every management route of the OpenAPI document, `{param}` filled with a plausible value. */
async function documentedRoutes(): Promise<{ method: string; path: string }[]> {
  const response = await fetch(`${stack.url}/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(document.paths)
    .filter(([path]) => isManagement(path))
    .flatMap(([path, operations]) =>
      METHODS.filter((m) => m in operations).map((method) => ({ method: method.toUpperCase(), path })),
    );
}

describe('management API authentication', () => {
  it('refuses every management route of /openapi.json without a token and with a wrong one: 401 problem+json', async () => {
    const routes = await documentedRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const wrong: (string | null)[] = [
      null, // no Authorization header
      'Bearer wrong-token-0123456789abcdef',
      `Bearer ${managementKey.slice(0, -1)}`, // one character short
      `Bearer ${managementKey}x`,
      `Basic ${Buffer.from(`admin:${managementKey}`).toString('base64')}`,
      managementKey, // no scheme
      'Bearer ',
    ];
    const failures: string[] = [];
    for (const { method, path } of routes) {
      const url = `${stack.url}${path.replace(/\{[^}]+\}/g, 'sec_0123456789')}`;
      for (const authorization of wrong) {
        const response = await fetch(url, {
          method,
          headers: {
            ...(authorization === null ? {} : { authorization }),
            ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }),
          },
          body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
        });
        const text = await response.text();
        const problem = response.headers.get('content-type')?.includes('application/problem+json')
          ? (JSON.parse(text) as { status?: number })
          : undefined;
        if (
          response.status !== 401 ||
          problem?.status !== 401 ||
          !/^Bearer/i.test(response.headers.get('www-authenticate') ?? '')
        ) {
          failures.push(
            `${method} ${path} with ${authorization === null ? 'no token' : JSON.stringify(authorization.slice(0, 12))}… → ${response.status} ${text.slice(0, 120)}`,
          );
        }
      }
    }
    console.log(
      `[management-security] ${routes.length} documented management routes × ${wrong.length} bad credentials checked`,
    );
    expect(failures).toEqual([]);
  });

  it('documents every management route the app serves (so enumerating /openapi.json misses none)', async () => {
    // The same app the API process serves, built in-process only to read Hono's route table.
    const config = loadConfig({
      NODE_ENV: 'test',
      DATABASE_URL: inject('databaseUrl'),
      TEMPORAL_ADDRESS: inject('temporalAddress'),
    });
    const connection = Connection.lazy({ address: inject('temporalAddress') });
    const temporal = new Client({ connection });
    const app = buildApp({
      config,
      db,
      temporal,
      starter: new WorkflowStarter(temporal, config),
      logger: createLogger('test', 'silent'),
      managementApiKey: managementKey,
      sources: new SourceCache(db, 1_000),
      rateLimiter: new RateLimiter(),
      metrics: createApiMetrics(db),
    });
    const documented = new Set((await documentedRoutes()).map((r) => `${r.method} ${r.path}`));
    const served = app.routes
      .filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/') && isManagement(r.path))
      .map((r) => `${r.method} ${r.path.replace(/\/$/, '').replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    await connection.close();
    expect(served.length).toBeGreaterThan(0);
    expect([...new Set(served)].filter((route) => !documented.has(route))).toEqual([]);
  });
});

describe('secrets', () => {
  it(
    'never returns a source or subscription secret after creation, and never logs one (or a signature, or the management key)',
    { timeout: 90_000 },
    async () => {
      const target = await startSink();
      const documents = await startSink(() => ({
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: '{"document":"full"}',
      }));
      sinks.push(target, documents);
      const sourceSecret = `src-secret-${randomBytes(16).toString('hex')}`;
      const rotatedSourceSecret = `src-rotated-${randomBytes(16).toString('hex')}`;
      const fetchToken = `fetch-token-${randomBytes(16).toString('hex')}`;
      const fetchSecret = `fetch-src-secret-${randomBytes(16).toString('hex')}`;
      const sourceId = uniqueId('sec');
      const fetchSourceId = uniqueId('secfetch');
      const responses: { what: string; text: string }[] = [];
      const call = async (what: string, method: string, path: string, body?: unknown) => {
        const response = await manage(stack, method, path, body);
        expect(response.status, `${what}: ${response.text}`).toBeLessThan(300);
        responses.push({ what, text: response.text });
        return response;
      };

      const created = await manage(stack, 'POST', '/v1/sources', {
        id: sourceId,
        scheme: 'hmac-sha256',
        secret: sourceSecret,
      });
      expect(created.status, created.text).toBe(201);
      responses.push({ what: 'POST /v1/sources', text: created.text });
      const createdFetch = await manage(stack, 'POST', '/v1/sources', {
        id: fetchSourceId,
        scheme: 'hmac-sha256',
        secret: fetchSecret,
        processor: {
          name: 'fetch',
          url: `${documents.url}/documents/{/payload/shipmentId}`,
          headers: { authorization: `Bearer ${fetchToken}` },
        },
      });
      expect(createdFetch.status, createdFetch.text).toBe(201);
      responses.push({ what: 'POST /v1/sources (fetch processor)', text: createdFetch.text });
      const subscription = await manage(stack, 'POST', '/v1/subscriptions', {
        url: target.url,
        sourceIds: [sourceId, fetchSourceId],
        eventTypes: ['*'],
      });
      expect(subscription.status, subscription.text).toBe(201);
      const firstSubscriptionSecret = subscription.body.secret as string;
      expect(firstSubscriptionSecret).toMatch(/^whsec_/);
      const subscriptionId = subscription.body.id as string;

      await call('GET source', 'GET', `/v1/sources/${sourceId}`);
      await call('GET fetch source', 'GET', `/v1/sources/${fetchSourceId}`);
      await call('list sources', 'GET', '/v1/sources?limit=200');
      await call('PATCH source', 'PATCH', `/v1/sources/${sourceId}`, { toleranceSeconds: 600 });
      await call('rotate source secret', 'POST', `/v1/sources/${sourceId}/rotate-secret`, {
        secret: rotatedSourceSecret,
        graceSeconds: 3_600,
      });
      await call('GET subscription', 'GET', `/v1/subscriptions/${subscriptionId}`);
      await call('list subscriptions', 'GET', '/v1/subscriptions?limit=200');
      await call('PATCH subscription', 'PATCH', `/v1/subscriptions/${subscriptionId}`, {
        description: 'security test',
      });
      // Rotation shows the new secret once (by design); the old one must not be in that answer.
      const rotated = await manage(stack, 'POST', `/v1/subscriptions/${subscriptionId}/rotate-secret`, {
        graceSeconds: 3_600,
      });
      expect(rotated.status, rotated.text).toBe(200);
      const secondSubscriptionSecret = rotated.body.secret as string;
      expect(rotated.text).not.toContain(firstSubscriptionSecret);
      await call('disable subscription', 'POST', `/v1/subscriptions/${subscriptionId}/disable`);
      await call('enable subscription', 'POST', `/v1/subscriptions/${subscriptionId}/enable`, {});

      // Traffic that uses every secret: inbound signed with the current and the rotated-out source secret,
      // outbound signed with both subscription secrets (grace window), a fetch with its bearer token.
      const inboundSignatures: string[] = [];
      const send = async (id: string, secret: string) => {
        const timestamp = Math.floor(Date.now() / 1000);
        const response = await postHmacWebhook(stack.url, id, secret, courierEnvelope(), { timestamp });
        inboundSignatures.push(response.headers.get('x-signature') ?? '');
        expect(response.status, await response.clone().text()).toBe(202);
        return (await response.json()) as { eventId: string };
      };
      const events = [
        await send(sourceId, rotatedSourceSecret),
        await send(sourceId, sourceSecret),
        await send(fetchSourceId, fetchSecret),
      ];
      await waitFor(async () => events.every((e) => target.byMessage(e.eventId).length > 0), {
        timeoutMs: 60_000,
        what: 'the three deliveries',
      });
      expect(documents.received[0]?.headers.authorization).toBe(`Bearer ${fetchToken}`);
      const outboundSignatures = target.received.flatMap((r) =>
        String(r.headers['webhook-signature'])
          .split(' ')
          .map((s) => s.replace(/^v1,/, '')),
      );
      expect(outboundSignatures.length).toBeGreaterThanOrEqual(6);

      await call('subscription deliveries', 'GET', `/v1/subscriptions/${subscriptionId}/deliveries`);
      await call('events list', 'GET', `/v1/events?sourceId=${sourceId}`);
      for (const e of events) await call('event detail', 'GET', `/v1/events/${e.eventId}`);
      await call('dead letters', 'GET', `/v1/dead-letters?sourceId=${sourceId}`);
      await call('GET subscription after rotation', 'GET', `/v1/subscriptions/${subscriptionId}`);
      await call('list subscriptions after rotation', 'GET', '/v1/subscriptions?limit=200');

      const secrets: Record<string, string> = {
        'source secret': sourceSecret,
        'rotated source secret': rotatedSourceSecret,
        'fetch source secret': fetchSecret,
        'fetch processor token': fetchToken,
        'first subscription secret': firstSubscriptionSecret,
        'first subscription key (base64)': firstSubscriptionSecret.slice('whsec_'.length),
        'second subscription secret': secondSubscriptionSecret,
        'second subscription key (base64)': secondSubscriptionSecret.slice('whsec_'.length),
      };
      const inResponses = responses.flatMap(({ what, text }) =>
        Object.entries(secrets)
          .filter(([, value]) => text.includes(value))
          .map(([name]) => `${name} in ${what}`),
      );
      expect(inResponses).toEqual([]);

      // Let the last log lines (delivery_succeeded…) reach the pipes.
      await new Promise((r) => setTimeout(r, 500));
      const logs = { api: api!.output(), worker: worker!.output() };
      expect(logs.api).toContain('"ingress_accepted"');
      expect(logs.worker).toContain('"delivery_succeeded"');
      const forbidden: Record<string, string> = {
        ...secrets,
        'management API key': managementKey,
        ...Object.fromEntries(inboundSignatures.filter(Boolean).map((s, i) => [`inbound x-signature #${i + 1}`, s])),
        ...Object.fromEntries(outboundSignatures.map((s, i) => [`outbound webhook-signature #${i + 1}`, s])),
      };
      const inLogs = Object.entries(logs).flatMap(([process, text]) =>
        Object.entries(forbidden)
          .filter(([, value]) => text.includes(value))
          .map(([name]) => `${name} in ${process} logs`),
      );
      console.log(
        `[management-security] scanned ${responses.length} responses and ${((logs.api.length + logs.worker.length) / 1024) | 0} KiB of API/worker logs (LOG_LEVEL=debug) for ${Object.keys(forbidden).length} secrets and signatures`,
      );
      expect(inLogs).toEqual([]);
    },
  );
});

describe('secrets in error logs', () => {
  it('does not log the secret of a source whose INSERT the database refuses', async () => {
    // PostgreSQL refuses \u0000 in jsonb, so this create fails in the database, as any write fails during an outage.
    const secret = `nul-secret-${randomBytes(12).toString('hex')}\u0000tail`;
    const response = await manage(stack, 'POST', '/v1/sources', {
      id: uniqueId('secnul'),
      scheme: 'hmac-sha256',
      secret,
    });
    expect(response.status).toBeLessThan(600);
    await new Promise((r) => setTimeout(r, 300));
    const logged = api!
      .output()
      .split('\n')
      .filter((line) => line.includes(secret.slice(0, 30)));
    console.log(
      `[management-security] source create refused by the database → ${response.status}; log lines carrying its secret: ${logged.length}`,
    );
    expect(logged.map((line) => line.slice(0, 300))).toEqual([]);
  });
});

describe('SQL injection in list filters', () => {
  const payloads = [
    `' OR 1=1 --`,
    `"; DROP TABLE events; --`,
    `'; DROP TABLE sources; --`,
    `1' UNION SELECT secret, secret FROM subscriptions --`,
    `') OR ('1'='1`,
    `%' OR '1'='1`,
    `' OR pg_sleep(3) IS NULL --`,
    `\\x27 OR 1=1`,
    `\u0000`,
  ];
  const b64 = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');

  it(
    'answers every filter parameter of /v1/events, /v1/dead-letters and /v1/subscriptions/:id/deliveries with 200 and no rows, or 400 — never 500 — and the tables survive',
    { timeout: 90_000 },
    async () => {
      // Only what the API logs during this test counts (the secrets test before it makes an INSERT fail on purpose).
      const logOffset = api!.output().length;
      const target = await startSink();
      sinks.push(target);
      const sourceId = uniqueId('sqli');
      const secret = `sqli-secret-${randomBytes(8).toString('hex')}`;
      expect((await manage(stack, 'POST', '/v1/sources', { id: sourceId, scheme: 'hmac-sha256', secret })).status).toBe(
        201,
      );
      const subscription = await manage(stack, 'POST', '/v1/subscriptions', { url: target.url, sourceIds: [sourceId] });
      const subscriptionId = subscription.body.id as string;
      const sent = await postHmacWebhook(stack.url, sourceId, secret, courierEnvelope());
      expect(sent.status).toBe(202);
      const { eventId } = (await sent.json()) as { eventId: string };
      await waitFor(async () => target.byMessage(eventId).length > 0, { timeoutMs: 30_000, what: 'the delivery' });

      // [method, path, filter parameters (must match nothing), other parameters (cursor, limit: 200 or 400)]
      const lists: [string, string, string[], string[]][] = [
        ['GET', '/v1/events', ['sourceId', 'status', 'eventType', 'since'], ['cursor', 'limit']],
        ['GET', '/v1/dead-letters', ['status', 'subscriptionId', 'sourceId', 'reason', 'since'], ['cursor', 'limit']],
        ['GET', `/v1/subscriptions/${subscriptionId}/deliveries`, ['status'], ['cursor', 'limit']],
        ['POST', '/v1/dead-letters/replay', ['subscriptionId', 'sourceId', 'reason', 'since'], []],
      ];
      const failures: string[] = [];
      const check = async (method: string, path: string, query: string, mustBeEmpty: boolean) => {
        const started = Date.now();
        const response = await manage(stack, method, `${path}?${query}`, method === 'POST' ? {} : undefined);
        const elapsed = Date.now() - started;
        const ok =
          response.status === 400 ||
          (response.status === 200 &&
            (!mustBeEmpty ||
              (Array.isArray(response.body?.data) ? response.body.data.length === 0 : response.body?.count === 0)));
        if (!ok || elapsed > 2_500)
          failures.push(
            `${method} ${path}?${decodeURIComponent(query)} → ${response.status} in ${elapsed} ms ${response.text.slice(0, 160)}`,
          );
      };
      for (const [method, path, filters, others] of lists) {
        for (const payload of payloads) {
          for (const name of filters) await check(method, path, `${name}=${encodeURIComponent(payload)}`, true);
          for (const name of others) await check(method, path, `${name}=${encodeURIComponent(payload)}`, false);
          // Cursors are opaque, but a client can forge one: the decoded key must not be trusted either.
          if (others.includes('cursor')) {
            await check(method, path, `cursor=${b64([payload])}`, false);
            await check(method, path, `cursor=${b64([payload, payload])}`, false);
          }
        }
      }
      // Path parameters too.
      for (const payload of payloads) {
        for (const path of [
          '/v1/events/',
          '/v1/dead-letters/',
          '/v1/sources/',
          '/v1/subscriptions/',
          '/v1/subscriptions/{}/deliveries',
        ]) {
          const url = path.includes('{}')
            ? path.replace('{}', encodeURIComponent(payload))
            : `${path}${encodeURIComponent(payload)}`;
          const response = await manage(stack, 'GET', url);
          const fine =
            response.status === 404 ||
            response.status === 400 ||
            (response.status === 200 && Array.isArray(response.body?.data) && response.body.data.length === 0);
          if (!fine)
            failures.push(`GET ${decodeURIComponent(url)} → ${response.status} ${response.text.slice(0, 160)}`);
        }
      }

      const tables = ['sources', 'subscriptions', 'events', 'deliveries', 'delivery_attempts', 'dead_letters'];
      const present = await db.execute<{ name: string | null }>(
        sql.raw(`select ${tables.map((t) => `to_regclass('public.${t}')::text as "${t}"`).join(', ')}`),
      );
      const row = present[0] as unknown as Record<string, string | null>;
      expect(
        tables.filter((t) => row[t] === null),
        'tables dropped',
      ).toEqual([]);
      const still = await manage(stack, 'GET', `/v1/events/${eventId}`);
      expect(still.status).toBe(200);
      expect((await manage(stack, 'GET', `/v1/sources/${sourceId}`)).status).toBe(200);
      const causes = new Set(
        api!
          .output()
          .slice(logOffset)
          .split('\n')
          .filter((line) => line.includes('"unhandled error"'))
          .map((line) => {
            const err = (
              JSON.parse(line) as { err?: { type?: string; message?: string; cause?: { message?: string } } }
            ).err;
            return `${err?.type}: ${(err?.cause?.message ?? err?.message ?? '').split('\n').at(-1)?.slice(0, 120)}`;
          }),
      );
      console.log(
        `[management-security] ${payloads.length} injection payloads × every filter, cursor, limit and path parameter: ${failures.length} failures; API errors behind them: ${JSON.stringify([...causes])}`,
      );
      expect(failures).toEqual([]);
      // Every bad value is refused by validation (400 naming the parameter), none by the database.
      expect([...causes]).toEqual([]);
    },
  );
});
