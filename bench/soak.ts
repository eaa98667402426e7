// `npm run soak -- --minutes 10 [--rate 10] [--subscribers 3] [--failure-rate 0.2] [--drain-minutes 3]`
// Steady ingest into a stack of its own (Temporal dev server + embedded PostgreSQL, API and worker as
// child processes), subscribers that fail at random, and every minute: what was accepted, delivered,
// still pending, redelivered, and the resident memory of the API and the worker. At the end it drains,
// reports lost and duplicated deliveries and memory growth, and writes bench/results/soak-latest.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { startInfrastructure } from '../src/dev/dev-stack.js';
import { freePort } from '../src/dev/free-port.js';
import { sendCourierEvent, type IngestResult } from '../test/helpers/ingest-driver.js';
import { spawnLogged, type LoggedProcess } from '../test/helpers/logged-process.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
    subscribers: { type: 'string', default: '3' },
    'failure-rate': { type: 'string', default: '0.2' },
    'drain-minutes': { type: 'string', default: '3' },
  },
});
const minutes = Number(args.minutes);
const rate = Number(args.rate);
const subscriberCount = Number(args.subscribers);
const failureRate = Number(args['failure-rate']);
const drainMs = Number(args['drain-minutes']) * 60_000;
const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stdout.write(`[soak] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resident set size of a process in MB (VmRSS from /proc), or undefined once it has exited. */
function rssMb(pid: number | undefined): number | undefined {
  if (!pid) return undefined;
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 102.4) / 10 : undefined;
  } catch {
    return undefined;
  }
}

type Failure = '503' | '500' | '429' | 'reset' | 'timeout';
const FAILURES: Failure[] = ['503', '500', '429', 'reset', 'timeout'];

/**
 * A subscriber that fails `failureRate` of all requests at random (5xx, 429 with Retry-After,
 * connection reset, or no answer before the delivery timeout) and records every message it answered 2xx.
 */
interface Subscriber {
  url: string;
  server: Server;
  requests: number;
  failures: Record<Failure, number>;
  /** webhook-id → how many times it was answered 2xx (more than once = a duplicate delivery). */
  delivered: Map<string, number>;
}

function startSubscriber(timeoutMs: number): Promise<Subscriber> {
  const subscriber: Subscriber = {
    url: '',
    server: undefined as never,
    requests: 0,
    failures: { 503: 0, 500: 0, 429: 0, reset: 0, timeout: 0 },
    delivered: new Map(),
  };
  subscriber.server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      subscriber.requests++;
      const id = String(req.headers['webhook-id']);
      if (Math.random() < failureRate) {
        const failure = FAILURES[Math.floor(Math.random() * FAILURES.length)]!;
        subscriber.failures[failure]++;
        if (failure === 'reset') return req.socket.destroy();
        if (failure === 'timeout') return void setTimeout(() => res.writeHead(503).end(), timeoutMs + 500);
        if (failure === '429') return res.writeHead(429, { 'retry-after': '1' }).end();
        return res.writeHead(Number(failure)).end();
      }
      subscriber.delivered.set(id, (subscriber.delivered.get(id) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  return new Promise((resolve) =>
    subscriber.server.listen(0, '127.0.0.1', () => {
      subscriber.url = `http://127.0.0.1:${(subscriber.server.address() as AddressInfo).port}`;
      resolve(subscriber);
    }),
  );
}

async function manage<T>(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

interface MinuteRow {
  /** Minutes since ingest started, or `end` for the row taken after the drain. */
  minute: number | 'end';
  sent: number;
  accepted: number;
  duplicateAcks: number;
  refused: number;
  delivered: number;
  pending: number;
  redelivered: number;
  failuresInjected: number;
  apiRssMb: number | undefined;
  workerRssMb: number | undefined;
}

function printRow(row: MinuteRow | Record<keyof MinuteRow, string>) {
  const cells = [
    row.minute,
    row.sent,
    row.accepted,
    row.duplicateAcks,
    row.refused,
    row.delivered,
    row.pending,
    row.redelivered,
    row.failuresInjected,
    row.apiRssMb ?? '-',
    row.workerRssMb ?? '-',
  ];
  say(cells.map((c, i) => String(c).padStart(i === 0 ? 6 : 10)).join(' '));
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: undefined, DATABASE_URL: undefined });
  const database = `soak_${Date.now().toString(36)}`;
  say(
    `${minutes} min at ${rate} events/s, ${subscriberCount} subscribers failing ${Math.round(failureRate * 100)}% of requests at random`,
  );
  const infra = await startInfrastructure(config, {
    temporalPort: await freePort(),
    postgresDir: `${config.DATA_DIR}/soak-postgres`,
    database,
    log: say,
  });
  const key = `soak-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const timeoutMs = 2_000;
  const env = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_TASK_QUEUE: `hookflow-soak-${Date.now().toString(36)}`,
    MANAGEMENT_API_KEY: key,
    ALLOW_PRIVATE_TARGETS: 'true',
    REQUIRE_HTTPS: 'false',
    WORKER_METRICS_PORT: '0',
    DELIVERY_TIMEOUT_MS: String(timeoutMs),
    // Fast, deep retries: 20% random failures never exhaust 30 attempts, so any loss is a bug, not the policy.
    DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
    DELIVERY_RETRY_BACKOFF: '2',
    DELIVERY_RETRY_MAX_INTERVAL: '5s',
    DELIVERY_RETRY_MAX_ATTEMPTS: '30',
  };
  const children: LoggedProcess[] = [];
  const subscribers: Subscriber[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const shutdown = () => (stopped ??= stopEverything());
  const stopEverything = async () => {
    await Promise.all(children.map((c) => c.stop()));
    for (const s of subscribers) {
      s.server.closeAllConnections();
      s.server.close();
    }
    const admin = postgres(infra.databaseUrl.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${database}" with (force)`).catch(() => {});
    await admin.end();
    await infra.stop();
  };
  process.once('SIGINT', () => {
    if (stopping) process.exit(1);
    stopping = true;
    say('interrupted: stopping the stack…');
    void shutdown().then(() => process.exit(130));
  });

  try {
    // Only the tail of their logs is kept (for a post-mortem); readiness is read from the stream.
    const worker = await spawnLogged('worker', env, 'worker_started', { keepBytes: 256 * 1024 });
    children.push(worker);
    const api = await spawnLogged('api', { ...env, PORT: String(port) }, 'api_listening', { keepBytes: 256 * 1024 });
    children.push(api);
    for (let i = 0; i < subscriberCount; i++) subscribers.push(await startSubscriber(timeoutMs));
    const sourceId = 'soak';
    const secret = `soak-secret-${randomBytes(12).toString('hex')}`;
    await manage(baseUrl, key, 'POST', '/v1/sources', { id: sourceId, scheme: 'hmac-sha256', secret });
    for (const s of subscribers)
      await manage(baseUrl, key, 'POST', '/v1/subscriptions', { url: s.url, eventTypes: ['*'], sourceIds: [sourceId] });

    const results: IngestResult[] = [];
    const accepted = new Set<string>();
    let inFlight = 0;
    let next = 0;
    // Every 20th request re-sends an earlier key: it must be acknowledged as a duplicate and delivered once.
    const sendOne = async () => {
      const resend = next % 20 === 19 && results.length > 0;
      const key = resend ? results[Math.floor(Math.random() * results.length)]!.idempotencyKey : `soak-${next}`;
      next++;
      inFlight++;
      const result = await sendCourierEvent({ baseUrl, sourceId, secret }, key);
      inFlight--;
      results.push(result);
      if (result.status === 202) accepted.add(result.eventId!);
    };
    const deliveredCount = () =>
      subscribers.reduce((n, s) => n + [...accepted].filter((id) => s.delivered.has(id)).length, 0);
    const redeliveredCount = () =>
      subscribers.reduce((n, s) => n + [...s.delivered.values()].reduce((m, c) => m + c - 1, 0), 0);
    const failureCount = () =>
      subscribers.reduce((n, s) => n + Object.values(s.failures).reduce((a, b) => a + b, 0), 0);
    const row = (minute: number): MinuteRow => ({
      minute,
      sent: results.length,
      accepted: accepted.size,
      duplicateAcks: results.filter((r) => r.status === 200 && r.duplicate).length,
      refused: results.filter((r) => r.status !== 202 && !(r.status === 200 && r.duplicate)).length,
      delivered: deliveredCount(),
      pending: accepted.size * subscribers.length - deliveredCount(),
      redelivered: redeliveredCount(),
      failuresInjected: failureCount(),
      apiRssMb: rssMb(api.child.pid),
      workerRssMb: rssMb(worker.child.pid),
    });

    const table: MinuteRow[] = [];
    const baseline = row(0);
    table.push(baseline);
    printRow({
      minute: 'minute',
      sent: 'sent',
      accepted: 'accepted',
      duplicateAcks: 'dup-acks',
      refused: 'refused',
      delivered: 'delivered',
      pending: 'pending',
      redelivered: 'redeliv.',
      failuresInjected: 'failures',
      apiRssMb: 'api MB',
      workerRssMb: 'worker MB',
    });
    printRow(baseline);
    const ingestStarted = Date.now();
    const ingestEnds = ingestStarted + minutes * 60_000;
    let nextMinute = ingestStarted + 60_000;
    // A fixed schedule: the n-th request goes out at start + n/rate, whatever the latency of the others.
    for (let n = 0; Date.now() < ingestEnds && !stopping; n++) {
      const due = ingestStarted + (n * 1000) / rate;
      if (due > Date.now()) await sleep(due - Date.now());
      if (inFlight < 500) void sendOne();
      if (Date.now() >= nextMinute) {
        const current = row(table.length);
        table.push(current);
        printRow(current);
        nextMinute += 60_000;
      }
    }
    while (inFlight > 0) await sleep(50);

    say(`ingest stopped; draining (up to ${drainMs / 60_000} min)…`);
    const drainStarted = Date.now();
    while (deliveredCount() < accepted.size * subscribers.length && Date.now() - drainStarted < drainMs && !stopping)
      await sleep(500);
    const drainSeconds = Math.round((Date.now() - drainStarted) / 1000);
    const final = { ...row(0), minute: 'end' as const };
    table.push(final);
    printRow(final);

    const deadLetters = await manage<{ data: { reason: string }[] }>(
      baseUrl,
      key,
      'GET',
      `/v1/dead-letters?sourceId=${sourceId}&status=open&limit=200`,
    );
    const db = postgres(infra.databaseUrl, { max: 1, onnotice: () => {} });
    const [ledger] = await db<{ events: string; deliveries: string; delivered: string; attempts: string }[]>`
      select (select count(*) from events where source_id = ${sourceId}) as events,
             (select count(*) from deliveries d join events e on e.id = d.event_id where e.source_id = ${sourceId}) as deliveries,
             (select count(*) from deliveries d join events e on e.id = d.event_id where e.source_id = ${sourceId} and d.status = 'delivered') as delivered,
             (select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id join events e on e.id = d.event_id where e.source_id = ${sourceId}) as attempts`;
    await db.end();

    const steady = table.filter((r) => r.minute !== 0 && r.apiRssMb !== undefined && r.workerRssMb !== undefined);
    const growth = (pick: (r: MinuteRow) => number | undefined) => {
      const first = steady[0] ? pick(steady[0]) : undefined;
      const last = steady.at(-1) ? pick(steady.at(-1)!) : undefined;
      return first === undefined || last === undefined ? undefined : Math.round((last - first) * 10) / 10;
    };
    const lost = accepted.size * subscribers.length - final.delivered;
    const report = {
      date: new Date().toISOString(),
      settings: {
        minutes,
        ratePerSec: rate,
        subscribers: subscriberCount,
        failureRate,
        deliveryTimeoutMs: timeoutMs,
        retry: { initial: '200ms', backoff: 2, max: '5s', attempts: 30 },
      },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      counts: {
        sent: final.sent,
        accepted: final.accepted,
        duplicateAcks: final.duplicateAcks,
        refused: final.refused,
        expectedDeliveries: final.accepted * subscribers.length,
        delivered: final.delivered,
        lost,
        redelivered: final.redelivered,
        failuresInjected: Object.fromEntries(
          FAILURES.map((f) => [f, subscribers.reduce((n, s) => n + s.failures[f], 0)]),
        ),
        subscriberRequests: subscribers.reduce((n, s) => n + s.requests, 0),
        openDeadLetters: deadLetters.data.length,
        // Every request a subscriber saw should be a delivery_attempts row (SPEC §5.2).
        unrecordedAttempts: subscribers.reduce((n, s) => n + s.requests, 0) - Number(ledger!.attempts),
        ledger: {
          events: Number(ledger!.events),
          deliveries: Number(ledger!.deliveries),
          delivered: Number(ledger!.delivered),
          attempts: Number(ledger!.attempts),
        },
      },
      memory: {
        apiRssMb: {
          first: steady[0]?.apiRssMb,
          last: steady.at(-1)?.apiRssMb,
          peak: Math.max(...table.map((r) => r.apiRssMb ?? 0)),
          growthMb: growth((r) => r.apiRssMb),
        },
        workerRssMb: {
          first: steady[0]?.workerRssMb,
          last: steady.at(-1)?.workerRssMb,
          peak: Math.max(...table.map((r) => r.workerRssMb ?? 0)),
          growthMb: growth((r) => r.workerRssMb),
        },
      },
      drainSeconds,
      minutesTable: table,
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(`${root}bench/results`, { recursive: true });
    writeFileSync(`${root}bench/results/soak-latest.json`, `${JSON.stringify(report, null, 2)}\n`);
    say(
      `accepted ${report.counts.accepted} (+${report.counts.duplicateAcks} duplicate acks, ${report.counts.refused} refused); ` +
        `deliveries ${report.counts.delivered}/${report.counts.expectedDeliveries}: lost ${lost}, redelivered ${report.counts.redelivered}; ` +
        `${report.counts.subscriberRequests} subscriber requests, ${failureCount()} failed on purpose; open dead letters ${report.counts.openDeadLetters}; drained in ${drainSeconds} s`,
    );
    say(
      `ledger: ${report.counts.ledger.events} events, ${report.counts.ledger.delivered}/${report.counts.ledger.deliveries} deliveries delivered, ${report.counts.ledger.attempts} attempt rows for ${report.counts.subscriberRequests} subscriber requests`,
    );
    say(
      `memory: API ${report.memory.apiRssMb.first} → ${report.memory.apiRssMb.last} MB (peak ${report.memory.apiRssMb.peak}), worker ${report.memory.workerRssMb.first} → ${report.memory.workerRssMb.last} MB (peak ${report.memory.workerRssMb.peak})`,
    );
    say(`written to bench/results/soak-latest.json (${report.durationSeconds} s)`);
    if (lost > 0 || report.counts.ledger.events !== report.counts.accepted || report.counts.unrecordedAttempts !== 0)
      process.exitCode = 2;
  } finally {
    stopping = true;
    await shutdown();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
