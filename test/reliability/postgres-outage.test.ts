import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, countDistinct, eq, inArray } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/db/client.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/dev/embedded-postgres.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { deadLetters, deliveries, deliveryAttempts } from '../../src/db/schema.js';
import { stateQuery } from '../../src/domain/signals.js';
import { startCustomStack } from '../helpers/custom-stack.js';
import { createCourierSource, fastRetries, subscribe } from '../helpers/delivery-fixtures.js';
import { sendCourierEvent, startIngest, type IngestResult } from '../helpers/ingest-driver.js';
import { startSink, type Sink } from '../helpers/sink.js';
import type { TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { loadSize } from '../helpers/load.js';

const OUTAGE_MS = 5_000;
// The long outage only has to outlast the endpoint's whole retry budget (3 attempts at 5 s: 10 s)
// with room to spare: 25 s under `npm test`, the full minute under `npm run test:load`.
const LONG_OUTAGE_MS = loadSize(25_000, 60_000);
// Retry budgets that outlast the outage (≈ 40 s each): the outage must cost time, not messages.
const generousRetries = {
  ...fastRetries,
  DELIVERY_TIMEOUT_MS: '2000',
  DELIVERY_RETRY_MAX_ATTEMPTS: '40',
  DELIVERY_RETRY_MAX_INTERVAL: '1s',
  PROCESSING_RETRY_MAX_ATTEMPTS: '40',
  PROCESSING_RETRY_MAX_INTERVAL: '1s',
  // Ingress reads Postgres only through this cache: a warm cache keeps accepting during the outage.
  SOURCE_CACHE_TTL: '10m',
};

let dir: string;
let driver: ReturnType<typeof captureDriverCrashes>;
let pg: EmbeddedDatabase | undefined;
let stack: TestStack | undefined;
const sinks: Sink[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * postgres.js 3.4.9 can throw from a setImmediate after its socket closed (porsager/postgres#1154,
 * #1208): uncatchable, so in the API or worker process it is a crash. Counted here rather than left
 * to vitest's handler; any other uncaught error is passed on to it.
 */
function captureDriverCrashes() {
  const saved = process.listeners('uncaughtException');
  const crashes: string[] = [];
  const handler = (error: Error, origin: NodeJS.UncaughtExceptionOrigin) => {
    if (
      error instanceof TypeError &&
      /nextWrite/.test(error.stack ?? '') &&
      /postgres[/\\]src[/\\]connection/.test(error.stack ?? '')
    )
      crashes.push(error.message);
    else for (const listener of saved) listener(error, origin);
  };
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', handler);
  return {
    crashes,
    restore() {
      process.off('uncaughtException', handler);
      for (const listener of saved) process.on('uncaughtException', listener);
    },
  };
}

/**
 * Stops PostgreSQL (fast shutdown: sessions are terminated), waits, starts it again on the same
 * directory (and so the same port). `whileStopping` runs as the shutdown begins, `during` once it is down.
 */
async function outage(ms: number, hooks: { whileStopping?: () => void; during?: () => Promise<void> } = {}) {
  const before = pg!;
  const stoppingAt = Date.now();
  const stopping = before.stop();
  hooks.whileStopping?.();
  await stopping;
  const downAt = Date.now();
  await Promise.all([sleep(ms), hooks.during?.()]);
  const startingAt = Date.now();
  pg = await startEmbeddedPostgres(join(dir, 'pg'), 'hookflow');
  const upAt = Date.now();
  // Clients reconnect to the same URL: the cluster must come back on the same port.
  expect(pg.port, 'PostgreSQL came back on another port (the old one was taken)').toBe(before.port);
  return {
    stopMs: downAt - stoppingAt,
    downMs: startingAt - downAt,
    startMs: upAt - startingAt,
    stoppingAt,
    downAt,
    upAt,
  };
}

/**
 * Makes the database refuse writes (as a primary does while it fails over, or when it protects a full
 * disk) or accept them again: new sessions get the default, existing ones are terminated so they reconnect.
 */
async function setReadOnly(readOnly: boolean) {
  const admin = postgres(pg!.url, { max: 1, onnotice: () => {} });
  try {
    // This session may itself have started read-only.
    await admin`set session characteristics as transaction read write`;
    await admin.unsafe(
      `alter database hookflow ${readOnly ? 'set default_transaction_read_only = on' : 'reset default_transaction_read_only'}`,
    );
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;
  } finally {
    await admin.end();
  }
}

/** A subscriber gate: while holding, requests wait for `release()` before they are answered. */
function gate() {
  const g = {
    holding: false,
    held: 0,
    open: Promise.resolve() as Promise<void>,
    release: () => {},
    hold() {
      g.open = new Promise<void>(
        (resolve) =>
          (g.release = () => {
            g.holding = false;
            resolve();
          }),
      );
      g.holding = true;
    },
  };
  return g;
}

/**
 * Compares what subscribers received with the tables and with Temporal, for the deliveries of
 * `accepted` events to `subscriptions` (each with its own sink).
 */
async function audit(sourceId: string, accepted: string[], subscriptions: { id: string; sink: Sink }[]) {
  const rows = await stack!.db
    .select()
    .from(deliveries)
    .where(
      inArray(
        deliveries.subscriptionId,
        subscriptions.map((s) => s.id),
      ),
    );
  const attemptRows = new Map(
    (
      await stack!.db
        .select({ deliveryId: deliveryAttempts.deliveryId, n: count() })
        .from(deliveryAttempts)
        .where(
          inArray(
            deliveryAttempts.deliveryId,
            rows.map((d) => d.id),
          ),
        )
        .groupBy(deliveryAttempts.deliveryId)
    ).map((r) => [r.deliveryId, r.n]),
  );
  const sinkOf = new Map(subscriptions.map((s) => [s.id, s.sink]));
  const notDeliveredInTemporal: string[] = [];
  for (const d of rows) {
    const state = await stack!.temporal.workflow
      .getHandle(d.workflowId)
      .result()
      .catch(() => undefined);
    const lane = state?.lanes.find((l: { deliveryId: string }) => l.deliveryId === d.id);
    if (lane?.status !== 'delivered') notDeliveredInTemporal.push(`${d.workflowId} (${d.id})`);
  }
  const missingAttemptRows = rows
    .map((d) => ({
      deliveryId: d.id,
      eventId: d.eventId,
      requests: sinkOf.get(d.subscriptionId)!.byMessage(d.eventId).length,
      rows: attemptRows.get(d.id) ?? 0,
    }))
    .filter((d) => d.rows < d.requests);
  return {
    delivered: rows.filter((d) => d.status === 'delivered').length,
    lost: subscriptions.flatMap((s) => accepted.filter((id) => s.sink.byMessage(id).length === 0)),
    duplicated: subscriptions.reduce(
      (n, s) => n + s.sink.received.length - new Set(s.sink.received.map((r) => r.headers['webhook-id'])).size,
      0,
    ),
    deliveredButNotReceived: rows
      .filter((d) => d.status === 'delivered' && sinkOf.get(d.subscriptionId)!.byMessage(d.eventId).length === 0)
      .map((d) => d.id),
    receivedButNotDelivered: subscriptions.flatMap((s) =>
      [...new Set(s.sink.received.map((r) => String(r.headers['webhook-id'])))].filter(
        (id) => !rows.some((d) => d.eventId === id && d.subscriptionId === s.id && d.status === 'delivered'),
      ),
    ),
    counterMismatch: rows.filter((d) => d.attempts !== (attemptRows.get(d.id) ?? 0)).map((d) => d.id),
    missingAttemptRows,
    unrecordedRequests: missingAttemptRows.reduce((n, d) => n + d.requests - d.rows, 0),
    deadLetters: (await stack!.db.select().from(deadLetters).where(eq(deadLetters.sourceId, sourceId))).map(
      (d) => `${d.reason}: ${d.lastError}`,
    ),
    notDeliveredInTemporal,
  };
}

/** Waits until every accepted event reached every subscriber and every delivery row says delivered. */
async function settle(accepted: string[], subscriptions: { id: string; sink: Sink }[]) {
  await waitFor(async () => subscriptions.every((s) => accepted.every((id) => s.sink.byMessage(id).length > 0)), {
    timeoutMs: 90_000,
    intervalMs: 500,
    what: 'every accepted event at every subscriber',
  });
  // recordAttempt trails the subscriber's 2xx: let it land. A 2xx answered while PostgreSQL was
  // stopping could not be recorded: its lane sends again after its outage backoff (up to 60 s)
  // and records that one, so the ceiling outlasts that backoff (CI run 8 waited 30 s and failed).
  await waitFor(
    async () => {
      const rows = await stack!.db
        .select()
        .from(deliveries)
        .where(
          inArray(
            deliveries.subscriptionId,
            subscriptions.map((s) => s.id),
          ),
        );
      return rows.length === accepted.length * subscriptions.length && rows.every((d) => d.status === 'delivered');
    },
    { timeoutMs: 120_000, intervalMs: 500, what: 'every delivery row to be delivered' },
  );
}

beforeAll(async () => {
  driver = captureDriverCrashes();
  dir = mkdtempSync(join(tmpdir(), 'hookflow-pg-outage-'));
  // Run as root, embedded-postgres runs initdb as a `postgres` user, which must reach the data directory.
  chmodSync(dir, 0o755);
  pg = await startEmbeddedPostgres(join(dir, 'pg'), 'hookflow');
  const db = openDatabase(pg.url, 1);
  await migrateDatabase(db);
  await closeDatabase(db);
  stack = await startCustomStack({ databaseUrl: pg.url, env: generousRetries });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all(sinks.map((s) => s.close()));
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
  driver?.restore();
});
afterEach(() => {
  expect(
    driver.crashes.splice(0),
    'postgres.js threw from a closed socket: a real API or worker process would have crashed',
  ).toEqual([]);
});

describe('PostgreSQL stopped during deliveries and started again', () => {
  it(
    `spends none of the endpoint's retries on our outage: 50 deliveries due during ${LONG_OUTAGE_MS / 1000} s without PostgreSQL, maximumAttempts 3 at 5 s, all delivered with 0 dead letters`,
    { timeout: 300_000 },
    async () => {
      // Every message is refused once (so its retry falls inside the outage), then accepted.
      const sink = await startSink((_request, seenBefore) => ({ status: seenBefore === 0 ? 503 : 200 }));
      sinks.push(sink);
      const source = await createCourierSource(stack!);
      const subscription = await subscribe(stack!, sink.url, source.id, {
        retryPolicy: { initialInterval: '5s', backoffCoefficient: 1, maximumAttempts: 3 },
      });
      // Sent together, so every first attempt lands within about a second and every retry (5 s
      // later) falls inside the outage rather than straddling its start.
      const accepted = (await Promise.all(Array.from({ length: 50 }, () => source.send()))).map((r) => r.eventId);
      // Every message's first attempt has been answered and recorded: their retries are due within
      // seconds. Counted per delivery, not in rows: on a loaded machine the first attempts spread over
      // more than the 5-s retry interval, so early messages' retries add rows while later first
      // attempts are still in flight (a first attempt in flight at the stop has no row to count).
      await waitFor(
        async () => {
          const [row] = await stack!.db
            .select({ n: countDistinct(deliveryAttempts.deliveryId) })
            .from(deliveryAttempts)
            .innerJoin(deliveries, eq(deliveries.id, deliveryAttempts.deliveryId))
            .where(eq(deliveries.subscriptionId, subscription.id));
          return row!.n >= 50;
        },
        { timeoutMs: 60_000, what: 'the first attempt of each of the 50 messages to be recorded' },
      );
      const timings = await outage(LONG_OUTAGE_MS);
      // The lanes wait out our outage with a backoff of their own (at most a minute between tries).
      await waitFor(async () => sink.received.length >= 100, {
        timeoutMs: 150_000,
        intervalMs: 500,
        what: 'every message to be sent again and accepted',
      });
      await settle(accepted, [{ id: subscription.id, sink }]).catch(async (error: Error) => {
        const rows = await stack!.db
          .select({ status: deliveries.status, attempts: deliveries.attempts, lastError: deliveries.lastError })
          .from(deliveries)
          .where(eq(deliveries.subscriptionId, subscription.id));
        const requests = sink.received.map(
          (r) => `${String(r.headers['webhook-id']).slice(-6)}@${r.at - timings.upAt}`,
        );
        throw new Error(
          `${error.message}\n${JSON.stringify(rows.filter((row) => row.status !== 'delivered').slice(0, 5))}\n${requests.slice(50, 60).join(' ')}`,
        );
      });
      // Every event workflow completes (its one lane delivered); a stuck one is shown with its state.
      await waitFor(
        async () =>
          (await stack!.temporal.workflow.count(`HookflowSource = "${source.id}" AND ExecutionStatus = "Running"`))
            .count === 0,
        { timeoutMs: 60_000, what: 'every event workflow to complete' },
      ).catch(async (error: Error) => {
        const running = [];
        for await (const run of stack!.temporal.workflow.list({
          query: `HookflowSource = "${source.id}" AND ExecutionStatus = "Running"`,
        }))
          running.push(JSON.stringify(await stack!.temporal.workflow.getHandle(run.workflowId).query(stateQuery)));
        throw new Error(`${error.message}: ${running.slice(0, 3).join('\n')}`);
      });
      const found = await audit(source.id, accepted, [{ id: subscription.id, sink }]);
      const attempts = await stack!.db
        .select({ n: count() })
        .from(deliveryAttempts)
        .innerJoin(deliveries, eq(deliveries.id, deliveryAttempts.deliveryId))
        .where(eq(deliveries.subscriptionId, subscription.id));
      console.log(
        `[postgres-outage] our outage: ${found.delivered}/50 delivered, dead letters ${found.deadLetters.length}, ` +
          `attempt rows ${attempts[0]!.n} for ${sink.received.length} requests; down ${timings.downMs} ms`,
      );
      expect(found.deadLetters).toEqual([]);
      expect(found.lost).toEqual([]);
      expect(found.delivered).toBe(50);
      // Attempt rows only for real HTTP attempts (one per request): the refused one and the delivered
      // one per message. A message gets more only for a request in flight as the stop began (its answer
      // could not be recorded, so the attempt ran again): how many that is depends on the machine's
      // speed, so each extra request must be one sent between the last timeout before the stop and the
      // moment PostgreSQL was down.
      expect(sink.received.length).toBeGreaterThanOrEqual(100);
      const inFlightAtStop = (r: { at: number }) =>
        r.at >= timings.stoppingAt - Number(generousRetries.DELIVERY_TIMEOUT_MS) && r.at <= timings.downAt;
      const extra = accepted.flatMap((id) => {
        const requests = sink.byMessage(id);
        return requests.length <= 2
          ? []
          : [{ id, extra: requests.length - 2, inFlight: requests.filter(inFlightAtStop).length }];
      });
      expect(
        extra.filter((m) => m.inFlight < m.extra),
        JSON.stringify(timings),
      ).toEqual([]);
      expect(sink.received.length).toBe(100 + extra.reduce((n, m) => n + m.extra, 0));
      expect(attempts[0]!.n).toBeGreaterThanOrEqual(100);
      expect(attempts[0]!.n).toBeLessThanOrEqual(sink.received.length);
    },
  );

  it(
    'loses nothing, and afterwards the tables agree with what subscribers received and with Temporal',
    { timeout: 300_000 },
    async () => {
      // Subscribers answer after 150 ms; just before the stop they hold their answers and release them as the
      // shutdown begins, so some attempts are answered 200 while their bookkeeping meets a dying database.
      const held = gate();
      const respond = async () => {
        if (held.holding) {
          held.held++;
          await held.open;
        }
        await sleep(150);
        return { status: 200 };
      };
      const subscriptions: { id: string; sink: Sink }[] = [];
      const source = await createCourierSource(stack!);
      for (let i = 0; i < 2; i++) {
        const sink = await startSink(respond);
        sinks.push(sink);
        subscriptions.push({ id: (await subscribe(stack!, sink.url, source.id)).id, sink });
      }
      const ingest = startIngest({
        baseUrl: stack!.url,
        sourceId: source.id,
        secret: source.secret,
        concurrency: 2,
        pauseMs: 100,
        keyPrefix: 'pg',
      });

      await waitFor(async () => subscriptions.every((s) => s.sink.received.length >= 20), {
        timeoutMs: 30_000,
        what: 'deliveries to be under way',
      });
      held.hold();
      await waitFor(async () => held.held >= 6, { what: 'attempts to be in flight' });
      const timings = await outage(OUTAGE_MS, { whileStopping: () => held.release() });
      await sleep(3_000);
      const results = await ingest.stop();

      const accepted = results.filter((r) => r.status === 202).map((r) => r.eventId!);
      const refused = results.filter((r) => r.status !== 202);
      // A refusal must be a 503 with Retry-After (the partner retries; nothing was acknowledged).
      for (const r of refused) expect(r.status === 503 && r.retryAfter !== null, JSON.stringify(r)).toBe(true);
      await settle(accepted, subscriptions);
      const found = await audit(source.id, accepted, subscriptions);

      console.log(
        `[postgres-outage] sent ${results.length}: accepted ${accepted.length}, refused ${refused.length} (${[...new Set(refused.map((r) => `${r.status} ${r.detail}`))].join('; ')}); ` +
          `${accepted.length * subscriptions.length} deliveries: delivered ${found.delivered}, lost ${found.lost.length}, duplicated ${found.duplicated}, ` +
          `requests without an attempt row ${found.unrecordedRequests}, dead letters ${found.deadLetters.length}; ${held.held} answers released as the stop began; ` +
          `stop ${timings.stopMs} ms, down ${timings.downMs} ms, start ${timings.startMs} ms`,
      );
      expect.soft(found.lost, 'accepted events a subscriber never received').toEqual([]);
      expect.soft(found.deadLetters, 'dead letters caused by the outage').toEqual([]);
      expect
        .soft(found.deliveredButNotReceived, 'deliveries marked delivered that the subscriber never received')
        .toEqual([]);
      expect
        .soft(found.receivedButNotDelivered, 'messages a subscriber received whose delivery row is not delivered')
        .toEqual([]);
      expect.soft(found.notDeliveredInTemporal, 'delivery workflows that did not end delivered').toEqual([]);
      expect.soft(found.counterMismatch, 'deliveries.attempts differs from its delivery_attempts rows').toEqual([]);
      // Whether an attempt answered during the shutdown goes unrecorded depends on whether postgres.js fails the
      // write or waits for the reconnect; the read-only test below makes that case deterministic and asserts it.
    },
  );

  it(
    'keeps accepting at ingress while PostgreSQL is down when the source is in the cache, and delivers those events once it is back',
    { timeout: 60_000 },
    async () => {
      const sink = await startSink();
      sinks.push(sink);
      const source = await createCourierSource(stack!);
      await subscribe(stack!, sink.url, source.id);
      const target = { baseUrl: stack!.url, sourceId: source.id, secret: source.secret };
      expect((await sendCourierEvent(target, 'warm-cache')).status).toBe(202);

      const duringOutage: IngestResult[] = [];
      await outage(3_000, {
        during: async () => {
          for (let i = 0; i < 3; i++) duringOutage.push(await sendCourierEvent(target, `while-down-${i}`));
        },
      });
      console.log(
        `[postgres-outage] sent while down with a warm source cache: ${JSON.stringify(duringOutage.map((r) => `${r.status} ${r.detail ?? ''}`))}`,
      );
      // docs/architecture.md, "The path of a webhook": ingress touches Postgres only through the cached source lookup (SOURCE_CACHE_TTL is 10 min here).
      expect(duringOutage.map((r) => r.status)).toEqual([202, 202, 202]);
      await waitFor(async () => duringOutage.every((r) => sink.byMessage(r.eventId!).length > 0), {
        timeoutMs: 30_000,
        what: 'the events accepted while down',
      });
    },
  );
});

describe('PostgreSQL refusing writes for a few seconds (read-only, as during a failover)', () => {
  it(
    'records a delivery_attempts row for every request a subscriber received, including those whose answer could not be written',
    { timeout: 90_000 },
    async () => {
      const held = gate();
      held.hold();
      const sink = await startSink(async () => {
        if (held.holding) {
          held.held++;
          await held.open;
        }
        return { status: 200 };
      });
      sinks.push(sink);
      const source = await createCourierSource(stack!);
      const subscription = { id: (await subscribe(stack!, sink.url, source.id)).id, sink };
      const accepted: string[] = [];
      for (let i = 0; i < 4; i++) accepted.push((await source.send()).eventId);
      // Every first attempt has been sent and waits for its answer; then writes stop, then the answers (200) go out.
      await waitFor(async () => held.held >= accepted.length, {
        timeoutMs: 30_000,
        what: 'the first attempts to reach the subscriber',
      });
      await setReadOnly(true);
      held.release();
      await sleep(3_000);
      await setReadOnly(false);
      await settle(accepted, [subscription]);
      const found = await audit(source.id, accepted, [subscription]);
      console.log(
        `[postgres-outage] read-only for 3 s: ${accepted.length} deliveries, subscriber requests ${sink.received.length}, ` +
          `requests without an attempt row ${found.unrecordedRequests}, duplicated ${found.duplicated}, lost ${found.lost.length}`,
      );
      expect.soft(found.lost).toEqual([]);
      expect.soft(found.notDeliveredInTemporal).toEqual([]);
      // docs/architecture.md, "Tables": a delivery_attempts row for every attempt.
      expect.soft(found.missingAttemptRows, 'requests the subscriber saw with no delivery_attempts row').toEqual([]);
    },
  );

  it(
    'delivers or dead-letters an event accepted while writes are refused for longer than the processing retry budget',
    { timeout: 90_000 },
    async () => {
      // A stack of its own (own API, worker and task queue) whose API hands out a short processing budget: 3 attempts ≈ 0.6 s.
      const shortBudget = await startCustomStack({
        databaseUrl: pg!.url,
        env: { ...generousRetries, PROCESSING_RETRY_MAX_ATTEMPTS: '3', PROCESSING_RETRY_MAX_INTERVAL: '1s' },
      });
      try {
        const sink = await startSink();
        sinks.push(sink);
        const source = await createCourierSource(shortBudget);
        await subscribe(shortBudget, sink.url, source.id);
        await setReadOnly(true);
        // Ingress only reads (the source), so it accepts; recordEvent then fails through its whole budget.
        const accepted: IngestResult[] = [];
        for (let i = 0; i < 3; i++)
          accepted.push(
            await sendCourierEvent(
              { baseUrl: shortBudget.url, sourceId: source.id, secret: source.secret },
              `recorded-while-read-only-${i}`,
            ),
          );
        await sleep(4_000);
        await setReadOnly(false);
        expect(
          accepted.map((r) => r.status),
          JSON.stringify(accepted),
        ).toEqual([202, 202, 202]);

        const outcome = async () => {
          const letters = await shortBudget.db.select().from(deadLetters).where(eq(deadLetters.sourceId, source.id));
          return Promise.all(
            accepted.map(async (r) => ({
              eventId: r.eventId!,
              delivered: sink.byMessage(r.eventId!).length > 0,
              deadLettered: letters.some((d) => d.eventId === r.eventId),
              workflow: (
                await shortBudget.temporal.workflow.getHandle(`event:${source.id}:${r.idempotencyKey}`).describe()
              ).status.name,
            })),
          );
        };
        const settled = await waitFor(
          async () => {
            const now = await outcome();
            return now.every((e) => e.delivered || e.deadLettered || e.workflow !== 'RUNNING') ? now : undefined;
          },
          {
            timeoutMs: 30_000,
            intervalMs: 500,
            what: 'each event to be delivered, dead-lettered or its workflow closed',
          },
        );
        console.log(`[postgres-outage] accepted while read-only (short processing budget): ${JSON.stringify(settled)}`);
        expect(
          settled.filter((e) => !e.delivered && !e.deadLettered),
          'acknowledged with 202, then neither delivered nor dead-lettered',
        ).toEqual([]);
      } finally {
        await shortBudget.stop();
      }
    },
  );
});
