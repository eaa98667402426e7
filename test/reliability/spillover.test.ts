// Spillover ingress against real parts: a Temporal dev server this file stops for a minute, the
// suite's PostgreSQL (the outbox), API and worker processes, and an HTTP sink.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ingressOutbox } from '../../src/db/schema.js';
import { freePort } from '../../src/dev/free-port.js';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server.js';
import { spawnApiProcess } from '../helpers/api-process.js';
import { startCustomStack } from '../helpers/custom-stack.js';
import { createCourierSource, fastRetries, subscribe } from '../helpers/delivery-fixtures.js';
import { sendCourierEvent, type IngestResult } from '../helpers/ingest-driver.js';
import { startSink, type Sink } from '../helpers/sink.js';
import type { TestStack } from '../helpers/stack.js';
import { loadSize } from '../helpers/load.js';
import { waitFor, waitForProgress } from '../helpers/wait.js';
import { killProcess, spawnWorkerProcess } from '../helpers/worker-process.js';

// The outage outlasts the relay's longest backoff (10 s) and the clients' reconnect attempts: 20 s
// under `npm test`, a minute under `npm run test:load`.
const OUTAGE_MS = loadSize(20_000, 60_000);
// Requests sent while Temporal is down (every tenth a duplicate): 300 in `npm test`, 5,000 in `npm run test:load`.
const REQUESTS = loadSize(300, 5_000);
const UNIQUE = REQUESTS - REQUESTS / 10;
// Keys raced through two APIs and two workers at once: 100 in `npm test`, 300 in `npm run test:load`.
const RACED = loadSize(100, 300);
const env = {
  ...fastRetries,
  DATABASE_POOL_SIZE: '10',
  // The product's default (the test helpers raise it for direct-path tests).
  INGRESS_SPILLOVER_AFTER: '250ms',
  // Long enough that the subscriber in this process answers in time while the drain saturates the
  // machine: the test asserts nothing is delivered twice, and a timed-out attempt is rightly sent again.
  DELIVERY_TIMEOUT_MS: '10000',
  DELIVERY_RETRY_MAX_ATTEMPTS: '20',
  DELIVERY_RETRY_MAX_INTERVAL: '2s',
};

let dir: string;
let port: number;
let server: DevServer | undefined;
let stack: TestStack | undefined;
let sink: Sink;

const startServer = () =>
  startDevServer({
    cli: { kind: 'binary', path: inject('temporalCliPath'), origin: 'PATH' },
    port,
    dbFilename: join(dir, 'temporal.db'),
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Outbox rows of one source: the table is shared with the other files' tests running alongside. */
const outboxDepth = async (sourceId: string) =>
  (await stack!.db.select({ n: count() }).from(ingressOutbox).where(eq(ingressOutbox.sourceId, sourceId)))[0]!.n;

/** Sends every key in `keys` through `baseUrls` (round robin), `concurrency` at a time. */
async function sendAll(
  source: { id: string; secret: string },
  keys: string[],
  baseUrls: string[],
  concurrency: number,
) {
  const results: IngestResult[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < keys.length) {
        const i = next++;
        results.push(
          await sendCourierEvent(
            { baseUrl: baseUrls[i % baseUrls.length]!, sourceId: source.id, secret: source.secret },
            keys[i]!,
          ),
        );
      }
    }),
  );
  return results;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookflow-spillover-'));
  port = await freePort();
  server = await startServer();
  stack = await startCustomStack({ temporalAddress: server.address, env });
  sink = await startSink();
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('spillover ingress', () => {
  it(
    `takes ${REQUESTS.toLocaleString('en')} requests (10% duplicates) at c=50 while Temporal is down for ${OUTAGE_MS / 1000} s: no 503, each event accepted once and delivered once after it returns`,
    { timeout: 1_800_000 },
    async () => {
      const source = await createCourierSource(stack!);
      await subscribe(stack!, sink.url, source.id);
      const unique = Array.from({ length: UNIQUE }, (_, i) => `spill-${source.id}-${i}`);
      // Every tenth request repeats a key (a partner's retry): 500 duplicates among 5,000 (30 among 300).
      const keys = Array.from({ length: REQUESTS }, (_, i) =>
        i % 10 === 9 ? unique[Math.floor(i / 10) * 9]! : unique[i - Math.floor(i / 10)]!,
      );

      const stoppingAt = Date.now();
      await server!.stop();
      const downAt = Date.now();
      const results = await sendAll(source, keys, [stack!.url], 50);
      const sentIn = Date.now() - downAt;
      await sleep(Math.max(0, OUTAGE_MS - sentIn));
      const depthWhileDown = await outboxDepth(source.id);
      const startingAt = Date.now();
      // Started again before anything is asserted, so a failure here leaves the next test a server.
      server = await startServer();
      const upAt = Date.now();
      console.log(
        `[spillover] Temporal stopped in ${downAt - stoppingAt} ms, started again in ${upAt - startingAt} ms`,
      );
      expect(depthWhileDown).toBe(UNIQUE);

      const byStatus = (status: number) => results.filter((r) => r.status === status);
      expect(
        results.filter((r) => r.status !== 202 && r.status !== 200),
        JSON.stringify(results.find((r) => r.status >= 300)),
      ).toEqual([]);
      const accepted = byStatus(202);
      expect(new Set(accepted.map((r) => r.idempotencyKey)).size).toBe(UNIQUE);
      expect(accepted).toHaveLength(UNIQUE);
      expect(byStatus(200).every((r) => r.duplicate === true)).toBe(true);
      expect(byStatus(200)).toHaveLength(REQUESTS - UNIQUE);

      const eventIds = accepted.map((r) => r.eventId!);
      // How long the drain takes depends on the machine (the restarted server writes to SQLite): the
      // test fails when the relay stops making progress, not when a loaded machine is slow.
      await waitForProgress(
        () => outboxDepth(source.id),
        (depth) => depth === 0,
        { what: 'the relay to drain the outbox' },
      );
      const drainedIn = Date.now() - upAt;
      const deliveredEvents = async () => eventIds.filter((id) => sink.byMessage(id).length > 0).length;
      await waitForProgress(deliveredEvents, (n) => n === eventIds.length, {
        intervalMs: 1_000,
        what: 'every spilled event at the subscriber',
      });
      const deliveredIn = Date.now() - upAt;
      const twice = eventIds.filter((id) => sink.byMessage(id).length > 1);
      console.log(
        `[spillover] ${REQUESTS} requests in ${sentIn} ms with Temporal down: ${accepted.length} × 202 (spilled), ${byStatus(200).length} × 200 duplicate, 0 × 503; ` +
          `outbox drained ${drainedIn} ms and every event delivered ${deliveredIn} ms after Temporal was back; delivered twice ${twice.length}`,
      );
      expect(twice).toEqual([]);
      expect(sink.received).toHaveLength(UNIQUE);
    },
  );

  it(
    `runs one workflow per key when two API replicas (direct and always-spill) and two workers race on the same ${RACED} keys`,
    { timeout: 240_000 },
    async () => {
      const spilling = await spawnApiProcess(stack!.config, stack!.managementKey, {
        ...env,
        INGRESS_SPILLOVER_AFTER: '0',
      });
      // A worker that fails to start must not leave the API process behind.
      const worker = await spawnWorkerProcess(stack!.config, env).catch(async (error: unknown) => {
        await killProcess(spilling.child);
        throw error;
      });
      try {
        const source = await createCourierSource(stack!);
        const raceSink = await startSink();
        try {
          await subscribe(stack!, raceSink.url, source.id);
          const unique = Array.from({ length: RACED }, (_, i) => `race-${source.id}-${i}`);
          // Every key twice, once through each API, at the same time.
          const results = await sendAll(
            source,
            unique.flatMap((key) => [key, key]),
            [stack!.url, spilling.url],
            40,
          );
          expect(results.filter((r) => r.status !== 202 && r.status !== 200)).toEqual([]);
          for (const key of unique)
            expect(results.filter((r) => r.idempotencyKey === key && r.status === 202).length).toBeGreaterThanOrEqual(
              1,
            );

          const eventIds = [...new Set(results.map((r) => r.eventId!))];
          expect(eventIds).toHaveLength(RACED);
          await waitFor(async () => eventIds.every((id) => raceSink.byMessage(id).length > 0), {
            timeoutMs: 120_000,
            intervalMs: 500,
            what: 'every raced event at the subscriber',
          });
          await waitFor(async () => (await outboxDepth(source.id)) === 0, {
            timeoutMs: 60_000,
            what: 'the outbox rows of the race to be relayed',
          });
          const workflows = await waitFor(
            async () => {
              const { count: n } = await stack!.temporal.workflow.count(`HookflowSource = "${source.id}"`);
              return n >= RACED ? n : undefined;
            },
            { timeoutMs: 30_000, what: 'visibility to list the workflows' },
          );
          expect(workflows).toBe(RACED);
          expect(raceSink.received).toHaveLength(RACED);
          const spilled = results.filter((r) => r.status === 202).length - RACED;
          console.log(
            `[spillover] race: ${2 * RACED} requests over ${RACED} keys, ${RACED + spilled} × 202 (both paths), ${RACED} workflows, ${RACED} deliveries`,
          );
        } finally {
          await raceSink.close();
        }
      } finally {
        spilling.child.kill('SIGTERM');
        await killProcess(worker, 'SIGTERM');
      }
    },
  );
});
