// `npm run soak -- --minutes 10 [--rate 10] [--subscribers 3] [--failure-rate 0.2] [--drain-minutes 3]
//   [--warmup-minutes 2] [--sample-seconds 5] [--heap-snapshots 3,9]`
// Steady ingest into a stack of its own (Temporal dev server + embedded PostgreSQL, API and worker as
// child processes), subscribers that fail at random, and every minute: what was accepted, delivered,
// still pending, redelivered, and the resident memory of the API and the worker. Memory is also sampled
// every `--sample-seconds` (RSS from /proc, V8 heap from each process's /metrics) and its least-squares
// slope reported in MB/min after the warm-up, over the rest of the ingest and over each half of it
// (a heap still filling up flattens in the second half; a leak does not). At the end it drains,
// reports lost and duplicated deliveries, unrecorded attempts, the PostgreSQL row count of every table
// and the machine's load average, and writes bench/results/soak-latest.json (or `--out FILE`).
// `--heap-snapshots 3,9` starts both processes with `--heapsnapshot-signal=SIGWINCH` and signals them at
// those minutes of ingest (files under .data/soak-heap-*/; compare two with `tsx bench/heap-diff.ts`).
// A snapshot pauses the process for seconds and adds to its RSS, so such a run is evidence, not a measurement.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { loadConfig } from '../src/config.js';
import { startInfrastructure } from '../src/dev/dev-stack.js';
import { freePort } from '../src/dev/free-port.js';
import { sendCourierEvent, type IngestResult } from '../test/helpers/ingest-driver.js';
import { spawnLogged, type LoggedProcess } from '../test/helpers/logged-process.js';
import { diffHeapSnapshots } from './heap-diff.js';
import { cpuSeconds, readMemory, slopePerMinute, type MemoryReading, type SeriesPoint } from './rss.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    rate: { type: 'string', default: '10' },
    subscribers: { type: 'string', default: '3' },
    'failure-rate': { type: 'string', default: '0.2' },
    'drain-minutes': { type: 'string', default: '3' },
    'warmup-minutes': { type: 'string', default: '2' },
    'sample-seconds': { type: 'string', default: '5' },
    'heap-snapshots': { type: 'string', default: '' },
    out: { type: 'string', default: 'bench/results/soak-latest.json' },
  },
});
const minutes = Number(args.minutes);
const rate = Number(args.rate);
const subscriberCount = Number(args.subscribers);
const failureRate = Number(args['failure-rate']);
const drainMs = Number(args['drain-minutes']) * 60_000;
const warmupMinutes = Math.min(Number(args['warmup-minutes']), minutes);
const sampleMs = Number(args['sample-seconds']) * 1000;
const heapSnapshotMinutes = args['heap-snapshots']
  .split(',')
  .filter((m) => m.trim() !== '')
  .map(Number)
  .sort((a, b) => a - b);
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
  /** The machine's 1-minute load average. */
  load1: number | undefined;
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
    row.load1 ?? '-',
  ];
  say(cells.map((c, i) => String(c).padStart(i === 0 ? 6 : 10)).join(' '));
}

// Not SIGUSR2 (the usual choice): the Temporal worker runtime's default shutdown signals include it, and
// the worker stops polling and exits 0. SIGWINCH is ignored by default and used by nothing in either process.
const HEAP_SNAPSHOT_SIGNAL = 'SIGWINCH';
const HEAP_SNAPSHOT_FLAG = `--heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL}`;

type ProcessName = 'api' | 'worker';
const PROCESSES: ProcessName[] = ['api', 'worker'];

/** What a process's Prometheus endpoint says about its main thread's V8 heap (MB) and its handles. */
interface HeapReading {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  activeHandles: number;
}

/** One memory sample of both processes, `t` minutes since ingest started (the drain follows `minutes`). */
interface MemorySample {
  t: number;
  load1: number;
  api?: MemoryReading & Partial<HeapReading>;
  worker?: MemoryReading & Partial<HeapReading>;
}

async function scrapeHeap(url: string, prefix: string): Promise<HeapReading | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
    if (!response.ok) return undefined;
    const text = await response.text();
    const value = (name: string) =>
      Number(new RegExp(`^${prefix}${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
    return {
      heapUsedMb: mb(value('nodejs_heap_size_used_bytes')),
      heapTotalMb: mb(value('nodejs_heap_size_total_bytes')),
      externalMb: mb(value('nodejs_external_memory_bytes')),
      activeHandles: value('nodejs_active_handles_total'),
    };
  } catch {
    return undefined;
  }
}

const round = (n: number | undefined, digits = 2) =>
  n === undefined || !Number.isFinite(n) ? undefined : Math.round(n * 10 ** digits) / 10 ** digits;

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
  const workerMetricsPort = await freePort();
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
    WORKER_METRICS_PORT: String(workerMetricsPort),
    DELIVERY_TIMEOUT_MS: String(timeoutMs),
    // Fast, deep retries: 20% random failures never exhaust 30 attempts, so any loss is a bug, not the policy.
    DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
    DELIVERY_RETRY_BACKOFF: '2',
    DELIVERY_RETRY_MAX_INTERVAL: '5s',
    DELIVERY_RETRY_MAX_ATTEMPTS: '30',
  };
  const heapSnapshotDir = heapSnapshotMinutes.length
    ? `${root}${config.DATA_DIR.replace(/^\.\//, '')}/soak-heap-${Date.now().toString(36)}`
    : undefined;
  if (heapSnapshotDir) {
    mkdirSync(heapSnapshotDir, { recursive: true });
    Object.assign(env, {
      NODE_OPTIONS: [process.env.NODE_OPTIONS, HEAP_SNAPSHOT_FLAG, `--diagnostic-dir=${heapSnapshotDir}`]
        .filter(Boolean)
        .join(' '),
    });
    say(`heap snapshots at minutes ${heapSnapshotMinutes.join(', ')} into ${heapSnapshotDir}`);
  }
  const children: LoggedProcess[] = [];
  let sampler: ReturnType<typeof setInterval> | undefined;
  const subscribers: Subscriber[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const shutdown = () => (stopped ??= stopEverything());
  const stopEverything = async () => {
    clearInterval(sampler);
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
    let ingestStarted = Date.now();
    // A process that exits before the stack is stopped is a finding of its own: say so, with its last words.
    const unexpectedExits: { process: ProcessName; code: number | null; signal: string | null; atMinute: number }[] =
      [];
    for (const [name, child] of [
      ['api', api],
      ['worker', worker],
    ] as const)
      child.child.once('exit', (code, signal) => {
        if (stopped) return;
        const atMinute = round((Date.now() - ingestStarted) / 60_000, 2)!;
        unexpectedExits.push({ process: name, code, signal, atMinute });
        say(`${name} exited (code ${code}, signal ${signal}) at minute ${atMinute}; its last output:`);
        process.stdout.write(`${child.output().slice(-4_000)}\n`);
      });
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
      load1: round(loadavg()[0]),
    });

    // Memory every `sampleMs`: RSS straight from /proc, the V8 heap from each process's /metrics.
    const pids: Record<ProcessName, number | undefined> = { api: api.child.pid, worker: worker.child.pid };
    const metricsUrls: Record<ProcessName, [string, string]> = {
      api: [`${baseUrl}/metrics`, 'hookflow_api_'],
      worker: [`http://127.0.0.1:${workerMetricsPort}/metrics`, 'hookflow_worker_'],
    };
    const samples: MemorySample[] = [];
    const sampleNow = async () => {
      const sample: MemorySample = { t: round((Date.now() - ingestStarted) / 60_000, 4)!, load1: loadavg()[0]! };
      for (const name of PROCESSES) sample[name] = readMemory(pids[name]);
      samples.push(sample);
      const heaps = await Promise.all(PROCESSES.map((name) => scrapeHeap(...metricsUrls[name])));
      PROCESSES.forEach((name, i) => {
        if (sample[name] && heaps[i]) Object.assign(sample[name], heaps[i]);
      });
    };
    const heapSnapshotsTaken: { minute: number; t: number }[] = [];
    let nextSnapshot = 0;

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
      load1: 'load',
    });
    printRow(baseline);
    ingestStarted = Date.now();
    const cpuAtStart = { api: cpuSeconds(pids.api), worker: cpuSeconds(pids.worker) };
    void sampleNow();
    sampler = setInterval(() => void sampleNow(), sampleMs);
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
      const snapshotMinute = heapSnapshotMinutes[nextSnapshot];
      if (snapshotMinute !== undefined && Date.now() >= ingestStarted + snapshotMinute * 60_000) {
        nextSnapshot++;
        for (const name of PROCESSES) (name === 'api' ? api : worker).child.kill(HEAP_SNAPSHOT_SIGNAL);
        heapSnapshotsTaken.push({ minute: snapshotMinute, t: round((Date.now() - ingestStarted) / 60_000, 3)! });
        say(`heap snapshot signalled at minute ${snapshotMinute}`);
      }
    }
    while (inFlight > 0) await sleep(50);
    const ingestSeconds = (Date.now() - ingestStarted) / 1000;
    // cpuSeconds is 0 for a process that has exited: no figure then.
    const cpuUsed = (name: ProcessName) => {
      const now = cpuSeconds(pids[name]);
      return now > 0 ? now - cpuAtStart[name] : NaN;
    };
    const cpuDuringIngest = { api: cpuUsed('api'), worker: cpuUsed('worker') };

    say(`ingest stopped; draining (up to ${drainMs / 60_000} min)…`);
    const drainStarted = Date.now();
    while (deliveredCount() < accepted.size * subscribers.length && Date.now() - drainStarted < drainMs && !stopping)
      await sleep(500);
    const drainSeconds = Math.round((Date.now() - drainStarted) / 1000);
    clearInterval(sampler);
    await sampleNow();
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
    // Every table's exact row count (and what the statistics say: live and dead tuples), plus its size on disk.
    const stats = await db<
      { schema: string; table: string; live: string; dead: string; bytes: string }[]
    >`select schemaname as schema, relname as table, n_live_tup as live, n_dead_tup as dead,
             pg_total_relation_size(relid) as bytes
        from pg_stat_user_tables order by schemaname, relname`;
    const tables: { table: string; rows: number; liveTuples: number; deadTuples: number; sizeKb: number }[] = [];
    for (const t of stats) {
      const [counted] = await db.unsafe<{ n: string }[]>(
        `select count(*) as n from "${t.schema.replaceAll('"', '""')}"."${t.table.replaceAll('"', '""')}"`,
      );
      tables.push({
        table: t.schema === 'public' ? t.table : `${t.schema}.${t.table}`,
        rows: Number(counted!.n),
        liveTuples: Number(t.live),
        deadTuples: Number(t.dead),
        sizeKb: Math.round(Number(t.bytes) / 1024),
      });
    }
    await db.end();

    const steady = table.filter((r) => r.minute !== 0 && r.apiRssMb !== undefined && r.workerRssMb !== undefined);
    const growth = (pick: (r: MinuteRow) => number | undefined) => {
      const first = steady[0] ? pick(steady[0]) : undefined;
      const last = steady.at(-1) ? pick(steady.at(-1)!) : undefined;
      return first === undefined || last === undefined ? undefined : Math.round((last - first) * 10) / 10;
    };
    const lost = accepted.size * subscribers.length - final.delivered;

    // Slopes over the ingest after the warm-up, and over each half of that (is it levelling off?).
    const half = (warmupMinutes + minutes) / 2;
    const windows = {
      afterWarmup: [warmupMinutes, minutes],
      firstHalf: [warmupMinutes, half],
      secondHalf: [half, minutes],
    } as const;
    const fields = ['rssMb', 'anonMb', 'heapUsedMb', 'externalMb'] as const;
    const series = (name: ProcessName, field: (typeof fields)[number]): SeriesPoint[] =>
      samples.flatMap((s) => {
        const y = s[name]?.[field];
        return y === undefined || !Number.isFinite(y) ? [] : [{ t: s.t, y }];
      });
    const at = (name: ProcessName, t: number) => {
      const sample = samples.find((s) => s.t >= t && s[name]) ?? samples.filter((s) => s[name]).at(-1);
      return sample?.[name];
    };
    const lastDuringIngest = (name: ProcessName) => samples.filter((s) => s.t <= minutes && s[name]).at(-1)?.[name];
    const memoryOf = (name: ProcessName) => {
      const slopes = Object.fromEntries(
        fields.map((field) => [
          field.replace(/Mb$/, ''),
          Object.fromEntries(
            Object.entries(windows).map(([w, [from, to]]) => [
              w,
              round(slopePerMinute(series(name, field), from, to)?.slope),
            ]),
          ),
        ]),
      ) as Record<'rss' | 'anon' | 'heapUsed' | 'external', Record<keyof typeof windows, number | undefined>>;
      return {
        atIngestStart: at(name, 0),
        atWarmupEnd: at(name, warmupMinutes),
        atIngestEnd: lastDuringIngest(name),
        afterDrain: samples.at(-1)?.[name],
        peakRssMb: Math.max(...samples.map((s) => s[name]?.rssMb ?? 0)),
        slopesMbPerMin: slopes,
        cpuPercentOfOneCoreDuringIngest: round((cpuDuringIngest[name] / ingestSeconds) * 100, 0),
      };
    };
    const memory = { api: memoryOf('api'), worker: memoryOf('worker') };
    const loads = samples.map((s) => s.load1);
    const counts = {
      lost,
      redelivered: final.redelivered,
      unrecordedAttempts: subscribers.reduce((n, s) => n + s.requests, 0) - Number(ledger!.attempts),
    };
    const slopeOk = (name: ProcessName) => {
      const slope = memory[name].slopesMbPerMin.rss.afterWarmup;
      return slope !== undefined && slope <= 1;
    };
    const targets = {
      noProcessExited: unexpectedExits.length === 0,
      lostZero: counts.lost === 0,
      redeliveredZero: counts.redelivered === 0,
      unrecordedAttemptsZero: counts.unrecordedAttempts === 0,
      apiRssSlopeAtMost1MbPerMin: slopeOk('api'),
      workerRssSlopeAtMost1MbPerMin: slopeOk('worker'),
    };
    // Each process's first and last snapshot of its main thread (Heap.<date>.<time>.<pid>.0.<seq>.heapsnapshot).
    const heapDiffs: Partial<Record<ProcessName, ReturnType<typeof diffHeapSnapshots> & { files: string[] }>> = {};
    if (heapSnapshotDir)
      for (const name of PROCESSES) {
        const files = readdirSync(heapSnapshotDir)
          .filter((f) => f.includes(`.${pids[name]}.0.`) && f.endsWith('.heapsnapshot'))
          .sort();
        if (files.length < 2) continue;
        say(`comparing the ${name}'s heap snapshots ${files[0]} and ${files.at(-1)}…`);
        const pair = [files[0]!, files.at(-1)!];
        heapDiffs[name] = {
          files: pair,
          ...diffHeapSnapshots(`${heapSnapshotDir}/${pair[0]}`, `${heapSnapshotDir}/${pair[1]}`, 15),
        };
      }
    const report = {
      date: new Date().toISOString(),
      settings: {
        minutes,
        ratePerSec: rate,
        subscribers: subscriberCount,
        failureRate,
        deliveryTimeoutMs: timeoutMs,
        retry: { initial: '200ms', backoff: 2, max: '5s', attempts: 30 },
        warmupMinutes,
        sampleSeconds: sampleMs / 1000,
        heapSnapshotMinutes,
        processes: 'workers/api.ts and workers/worker.ts under tsx (NODE_ENV=production, LOG_LEVEL=info)',
      },
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryGb: Math.round(totalmem() / 2 ** 30),
        node: process.version,
        // The machine is shared (test suites, other benchmarks): the 1-minute load average over the run.
        loadAverage: {
          atStart: round(loads[0]),
          atEnd: round(loads.at(-1)),
          mean: round(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)),
          max: round(Math.max(...loads)),
        },
      },
      targets: { ...targets, allMet: Object.values(targets).every(Boolean) },
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
        // Every request a subscriber saw should be a delivery_attempts row (docs/architecture.md, "Tables").
        unrecordedAttempts: counts.unrecordedAttempts,
        ledger: {
          events: Number(ledger!.events),
          deliveries: Number(ledger!.deliveries),
          delivered: Number(ledger!.delivered),
          attempts: Number(ledger!.attempts),
        },
      },
      rowCounts: Object.fromEntries(tables.map((t) => [t.table, t.rows])),
      tables,
      unexpectedExits,
      // RSS (from /proc) and main-thread V8 heap (from /metrics) in MB; slopes in MB/min, least squares over
      // the samples of each window in minutes of ingest: afterWarmup [warm-up, end], firstHalf and secondHalf.
      memorySlopes: {
        windows,
        api: memory.api,
        worker: memory.worker,
      },
      heapSnapshots: heapSnapshotDir
        ? {
            dir: heapSnapshotDir,
            signalled: heapSnapshotsTaken,
            files: readdirSync(heapSnapshotDir).sort(),
            diffs: heapDiffs,
          }
        : undefined,
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
      memorySamples: samples,
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(dirname(resolve(root, args.out)), { recursive: true });
    writeFileSync(resolve(root, args.out), `${JSON.stringify(report, null, 2)}\n`);
    say(
      `accepted ${report.counts.accepted} (+${report.counts.duplicateAcks} duplicate acks, ${report.counts.refused} refused); ` +
        `deliveries ${report.counts.delivered}/${report.counts.expectedDeliveries}: lost ${lost}, redelivered ${report.counts.redelivered}; ` +
        `${report.counts.subscriberRequests} subscriber requests, ${failureCount()} failed on purpose; open dead letters ${report.counts.openDeadLetters}; drained in ${drainSeconds} s`,
    );
    say(
      `ledger: ${report.counts.ledger.events} events, ${report.counts.ledger.delivered}/${report.counts.ledger.deliveries} deliveries delivered, ${report.counts.ledger.attempts} attempt rows for ${report.counts.subscriberRequests} subscriber requests`,
    );
    if (unexpectedExits.length) say(`processes that exited during the run: ${JSON.stringify(unexpectedExits)}`);
    for (const name of PROCESSES) {
      const m = memory[name];
      const s = m.slopesMbPerMin;
      say(
        `${name}: RSS ${m.atWarmupEnd?.rssMb} MB at minute ${warmupMinutes} → ${m.atIngestEnd?.rssMb} MB at minute ${minutes} ` +
          `(${m.afterDrain?.rssMb} after the drain, peak ${m.peakRssMb}); slope ${s.rss.afterWarmup} MB/min ` +
          `(${windows.firstHalf.join('–')}: ${s.rss.firstHalf}, ${windows.secondHalf.join('–')}: ${s.rss.secondHalf}); ` +
          `V8 heap used ${m.atWarmupEnd?.heapUsedMb} → ${m.atIngestEnd?.heapUsedMb} MB, slope ${s.heapUsed.afterWarmup} MB/min ` +
          `(${s.heapUsed.firstHalf} / ${s.heapUsed.secondHalf}); ${m.cpuPercentOfOneCoreDuringIngest}% of a core`,
      );
    }
    say(`rows: ${tables.map((t) => `${t.table} ${t.rows}`).join(', ')}`);
    say(
      `load average (1 min) over the run: mean ${report.machine.loadAverage.mean}, max ${report.machine.loadAverage.max} on ${cpus().length} cores`,
    );
    say(
      `targets: ${Object.entries(targets)
        .map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`)
        .join(', ')}`,
    );
    say(`written to ${args.out} (${report.durationSeconds} s)`);
    if (report.counts.ledger.events !== report.counts.accepted || !report.targets.allMet) process.exitCode = 2;
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
