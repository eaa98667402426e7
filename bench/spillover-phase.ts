// The spillover phase of `npm run bench`: a second API with `INGRESS_SPILLOVER_AFTER=0` answers every
// verified webhook from PostgreSQL's ingress outbox (202 `spilled: true`) without waiting for Temporal;
// the worker's outbox relay starts the workflows. Measures accepted/s and latency at the API, how fast
// the relay empties the outbox, and that every accepted event ran (and was delivered) exactly once.
import { type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import postgres from 'postgres';
import { freePort } from '../src/dev/free-port.js';
import { signPartnerRequest } from '../src/schemes/index.js';
import { runHttpLoad, type LoadRequest } from './http-load.js';
import { cpuSeconds, cpuSecondsByPid, cpuSecondsOfCommandSince } from './rss.js';
import { spawnTs } from './spawn-ts.js';
import { startSubscriber } from './subscriber.js';
import { waitForDeliveries } from './wait-deliveries.js';

/** The issue's targets for this phase. */
export const SPILLOVER_TARGETS = { spilloverRatio: 2, p95Ms: 60 } as const;

const WARM_REQUESTS = 300;
const POLL_MS = 50;
/** Give up waiting for the outbox to empty when its depth has not gone down for this long. */
const DRAIN_STALL_MS = 60_000;

export interface SpilloverPhaseOptions {
  /** The bench stack's environment (DATABASE_URL, TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE, MANAGEMENT_API_KEY, …). */
  env: NodeJS.ProcessEnv;
  managementKey: string;
  databaseUrl: string;
  /** To count the event workflows Temporal holds for the phase's source. */
  client: Client;
  requests: number;
  concurrency: number;
  /** Bare `client.workflow.start` calls/s measured in the same run, same count and concurrency. */
  baselineTemporalStartsPerSec: number;
  /** The same run's direct-path ingress phase, when it ran (for comparison only). */
  direct?: { acceptedPerSec: number; p95Ms: number; apiCpuMsPerRequest: number } | undefined;
  temporalPid?: number | undefined;
  /** When set, the worker's and the spillover API's stdout (their JSON logs) are written to files in this directory. */
  logDir?: string | undefined;
  /** Writes a V8 CPU profile of the spilling API there (`--profile-api DIR`). */
  profileApiDir?: string | undefined;
  /** Registers a spawned process so the bench kills it if the run fails. */
  track: (child: ChildProcess) => void;
  log: (line: string) => void;
}

interface CpuShares {
  apiPct: number;
  workerPct: number;
  postgresPct: number;
  temporalServerPct: number;
  benchAndSubscriberPct: number;
  /** The whole machine (every process, all cores; 100 = one core busy) and the part none of the above used. */
  machinePct: number;
  otherProcessesPct: number;
  /** Cores idle waiting for disk I/O (100 = one core). */
  iowaitPct: number;
}

/** Machine-wide CPU seconds so far from /proc/stat: busy (everything but idle and iowait) and iowait. */
function machineCpuSeconds(): { busy: number; iowait: number } {
  try {
    // user nice system idle iowait irq softirq steal, in USER_HZ (1/100 s) ticks.
    const [user = 0, nice = 0, system = 0, , iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync(
      '/proc/stat',
      'utf8',
    )
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return { busy: (user + nice + system + irq + softirq + steal) / 100, iowait: iowait / 100 };
  } catch {
    return { busy: 0, iowait: 0 };
  }
}

export interface SpilloverPhaseResult {
  requests: number;
  concurrency: number;
  spillAfterMs: 0;
  /** 202 answers with `"spilled": true`. */
  accepted: number;
  /** Every answer was 202 with `"spilled": true`. */
  allSpilled: boolean;
  statuses: Record<string, number>;
  /** 202 answers without `spilled: true` (must be 0 with INGRESS_SPILLOVER_AFTER=0). */
  acceptedNotSpilled: number;
  errors: number;
  sendSeconds: number;
  spilloverAcceptedPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  baselineTemporalStartsPerSec: number;
  spilloverRatio: number;
  direct: { acceptedPerSec: number; p95Ms: number; apiCpuMsPerRequest: number } | null;
  outbox: {
    /** Deepest the outbox was seen during the load (polled every 50 ms). */
    peakDepth: number;
    depthAtLoadEnd: number;
    /** Rows the relay had started and deleted by the end of the load. */
    relayedDuringLoad: number;
    relayedDuringLoadPerSec: number;
    /** From the end of the load until the outbox was empty. */
    drainSeconds: number;
    /** The backlog left at the end of the load ÷ the time it took to empty (the relay's drain rate). */
    relayDrainPerSec: number | null;
    /** Every accepted row ÷ from the first send until the outbox was empty. */
    relayOverallPerSec: number;
    emptied: boolean;
  };
  /** `events` ledger rows for the phase's source, and accepted events missing from them. */
  ledgerRows: number;
  missingFromLedger: number;
  /** Event workflows Temporal's visibility counts for the source (null when the count failed). */
  temporalEventWorkflows: number | null;
  delivered: number;
  lost: number;
  /** Accepted events delivered more than once to the subscriber. */
  processedTwice: number;
  /** From the first send until the last delivery. */
  endToEndSeconds: number;
  loadAverage1m: { before: number; afterLoad: number; afterDrain: number };
  /**
   * PostgreSQL's client backends (API, worker) during the load, sampled every ~50 ms: the average number
   * in each state (`active:cpu`, `active:<wait type>/<wait event>`, `idle`, `idle in transaction`).
   */
  postgresBackendsDuringLoad: Record<string, number>;
  cpuPercentOfOneCore: { load: CpuShares; drain: CpuShares };
  /** The spillover API's CPU per accepted request during the load (ms). */
  apiCpuMsPerRequest: number;
  postgres: {
    fsync: string;
    synchronousCommit: string;
    apiPoolSize: number;
    /** The spill statement alone from the bench (see probeOutboxInserts): inserts/s with its pg_notify, and without. */
    outboxInsertsPerSec: number;
    outboxInsertsWithoutNotifyPerSec: number;
  };
  targets: {
    spilloverRatio: { target: number; met: boolean };
    p95Ms: { target: number; met: boolean };
    lostZero: boolean;
    processedTwiceZero: boolean;
  };
}

/** `count` distinct Standard Webhooks requests for `sourceId`, the same shape as the direct phase's. */
function spillRequests(sourceId: string, secret: string, count: number, tag: string): LoadRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.stringify({
      type: 'order.paid',
      timestamp: new Date().toISOString(),
      data: { orderId: `ord_${i}`, amount: 1999, currency: 'EUR', note: 'x'.repeat(200) },
    });
    return {
      path: `/v1/webhooks/${sourceId}`,
      headers: signPartnerRequest({ scheme: 'standard-webhooks', secret, body, id: `msg_${tag}_${i}` }),
      body,
    };
  });
}

/**
 * The spill statement alone, straight from the bench to PostgreSQL (no HTTP, no verification): `count`
 * inserts from `callers` concurrent callers over a pool of `connections`, into a copy of the outbox
 * table (its indexes, no relay listening), with and without the `pg_notify` the real statement adds.
 * Returns inserts/s: the ceiling the outbox puts on the spill path on this server.
 */
async function probeOutboxInserts(
  databaseUrl: string,
  options: { count: number; callers: number; connections: number; notify: boolean; tag: string },
): Promise<number> {
  const sql = postgres(databaseUrl, { max: options.connections, onnotice: () => {} });
  try {
    await sql`create table if not exists bench_outbox_probe (like ingress_outbox including defaults including indexes)`;
    const payload = JSON.stringify({ type: 'order.paid', data: { orderId: 'ord_1', note: 'x'.repeat(200) } });
    const headers = JSON.stringify({
      'webhook-id': 'msg_x',
      'webhook-timestamp': '1',
      'content-type': 'application/json',
    });
    const insert = (i: number) => {
      const key = `${options.tag}_${options.notify ? 'n' : 'p'}_${i}`;
      const id = (options.notify ? 1 : 2) * 10_000_000 + i;
      // The API's statement, with or without its notify (a nested fragment).
      const notify = options.notify ? sql`, pg_notify('bench_outbox_probe', '')` : sql``;
      return sql`
        with inserted as (
          insert into bench_outbox_probe (id, source_id, idempotency_key, event_id, event_type, payload, payload_sha256, headers, trace_id, received_at)
          select ${id}, 'probe', ${key}, ${`evt_${key}`}, 'order.paid', ${payload}::jsonb, 'sha', ${headers}::jsonb, 'trace', now()
          where not exists (select 1 from events where source_id = 'probe' and idempotency_key = ${key})
          on conflict (source_id, idempotency_key) do nothing
          returning 1
        )
        select (select count(*) from inserted)::int as inserted ${notify}`;
    };
    for (let i = 0; i < 50; i++) await insert(-1 - i); // warm the connections and the plan
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: options.callers }, async () => {
        while (next < options.count) await insert(next++);
      }),
    );
    return options.count / ((performance.now() - t0) / 1000);
  } finally {
    await sql`drop table if exists bench_outbox_probe`;
    await sql.end({ timeout: 5 });
  }
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const load1m = () => round(loadavg()[0]!, 1);

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Spawns a worker (its outbox relay included) and a second API with `INGRESS_SPILLOVER_AFTER=0` on
 * the bench's stack, warms both, sends `requests` distinct signed webhooks at `concurrency` while
 * polling the outbox depth, then waits for the outbox to empty and every delivery to arrive. Both
 * processes are stopped before it returns.
 */
export async function runSpilloverPhase(options: SpilloverPhaseOptions): Promise<SpilloverPhaseResult> {
  const { log } = options;
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const worker = await spawnTs('dist/workers/worker.js', { ...options.env, LOG_LEVEL: 'info' }, '"worker_started"');
  options.track(worker);
  const apiProcess = await spawnTs(
    'dist/workers/api.js',
    { ...options.env, LOG_LEVEL: 'info', PORT: String(port), INGRESS_SPILLOVER_AFTER: '0' },
    '"api_listening"',
    options.profileApiDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileApiDir}`] : [],
  );
  options.track(apiProcess);
  if (options.logDir) {
    mkdirSync(options.logDir, { recursive: true });
    worker.stdout!.pipe(createWriteStream(`${options.logDir}/spillover-worker.log`));
    apiProcess.stdout!.pipe(createWriteStream(`${options.logDir}/spillover-api.log`));
  }
  const subscriber = await startSubscriber(false);
  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  const api = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${options.managementKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  // This phase's rows only: the direct phase's slow starts spilled too, naming its unpolled task
  // queue, and no relay takes those (a relay claims only its own namespace and task queue).
  const taskQueue = options.env.TEMPORAL_TASK_QUEUE ?? 'hookflow';
  // Rows the relay has not started yet (a started row stays until its workflow has recorded the event).
  const depth = async () =>
    (
      await sql<
        { n: number }[]
      >`select count(*)::int as n from ingress_outbox where task_queue = ${taskQueue} and started_at is null`
    )[0]!.n;
  /** Polls the depth until it is 0 or has not gone down for DRAIN_STALL_MS; resolves with when it emptied. */
  const untilEmpty = async (): Promise<{ at: number; emptied: boolean }> => {
    let lowest = Infinity;
    let lowestAt = Date.now();
    for (;;) {
      const n = await depth();
      if (n === 0) return { at: performance.now(), emptied: true };
      if (n < lowest) {
        lowest = n;
        lowestAt = Date.now();
      } else if (Date.now() - lowestAt > DRAIN_STALL_MS) {
        return { at: performance.now(), emptied: false };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };
  try {
    const tag = Date.now().toString(36);
    const sourceId = `bench-spill-${tag}`;
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await api('/v1/sources', { id: sourceId, scheme: 'standard-webhooks', secret });
    await api('/v1/subscriptions', { url: subscriber.url, eventTypes: ['*'], sourceIds: [sourceId] });
    const settings = await sql<{ fsync: string; synchronous_commit: string }[]>`
      select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit`;

    // Warm the API and the relay on a source of their own (the relay drains the warm-up's rows, so
    // the measured depth is the load's alone).
    const warmSource = `bench-spill-warm-${tag}`;
    await api('/v1/sources', { id: warmSource, scheme: 'standard-webhooks', secret });
    await runHttpLoad(
      baseUrl,
      spillRequests(warmSource, secret, WARM_REQUESTS, `spillwarm_${tag}`),
      options.concurrency,
    );
    await untilEmpty();
    // …and let the warm-up's workflows finish, so the measured load does not pay for them.
    const warmDeadline = Date.now() + 60_000;
    for (;;) {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from events where source_id = ${warmSource}`;
      let running = -1;
      try {
        running = (
          await options.client.workflow.count(
            `WorkflowType = 'eventWorkflow' AND HookflowSource = '${warmSource}' AND ExecutionStatus = 'Running'`,
          )
        ).count;
      } catch {
        running = 0; // no visibility count: the ledger alone decides
      }
      if ((row!.n >= WARM_REQUESTS && running === 0) || Date.now() > warmDeadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }

    // The statement's ceiling on this server now, at the API's pool size and the load's concurrency.
    const poolSize = Number(options.env.DATABASE_POOL_SIZE ?? 10);
    const probeCount = Math.min(options.requests, 2_000);
    const probe = { count: probeCount, callers: options.concurrency, connections: poolSize, tag };
    const insertsWithNotifyPerSec = await probeOutboxInserts(options.databaseUrl, { ...probe, notify: true });
    const insertsWithoutNotifyPerSec = await probeOutboxInserts(options.databaseUrl, { ...probe, notify: false });
    log(
      `spillover: outbox statement alone (${probeCount}, c=${options.concurrency}, ${poolSize} connections): ${Math.round(insertsWithNotifyPerSec)}/s, without pg_notify ${Math.round(insertsWithoutNotifyPerSec)}/s`,
    );
    await new Promise((r) => setTimeout(r, 1_000));

    const requests = spillRequests(sourceId, secret, options.requests, `spill_${tag}`);
    log(
      `spillover: ${options.requests} requests at c=${options.concurrency} to an API with INGRESS_SPILLOVER_AFTER=0…`,
    );
    const loadBefore = load1m();
    const cpuAt = () => ({
      api: cpuSeconds(apiProcess.pid),
      worker: cpuSeconds(worker.pid),
      temporal: cpuSeconds(options.temporalPid),
      postgres: cpuSecondsByPid('postgres'),
      bench: process.cpuUsage(),
      machine: machineCpuSeconds(),
      at: performance.now(),
    });
    const shares = (from: ReturnType<typeof cpuAt>, to: ReturnType<typeof cpuAt>): CpuShares => {
      const seconds = Math.max(0.001, (to.at - from.at) / 1000);
      const pct = (used: number) => Math.round((used / seconds) * 100);
      const bench = (to.bench.user + to.bench.system - from.bench.user - from.bench.system) / 1e6;
      const postgresSeconds = cpuSecondsOfCommandSince('postgres', from.postgres);
      const ours =
        to.api - from.api + (to.worker - from.worker) + postgresSeconds + (to.temporal - from.temporal) + bench;
      const machine = to.machine.busy - from.machine.busy;
      return {
        apiPct: pct(to.api - from.api),
        workerPct: pct(to.worker - from.worker),
        postgresPct: pct(postgresSeconds),
        temporalServerPct: pct(to.temporal - from.temporal),
        benchAndSubscriberPct: pct(bench),
        machinePct: pct(machine),
        otherProcessesPct: Math.max(0, pct(machine - ours)),
        iowaitPct: pct(to.machine.iowait - from.machine.iowait),
      };
    };

    // Depth samples while the load runs (a separate connection, one query at a time).
    // Also what PostgreSQL's other client backends are doing meanwhile (to see whether they wait on a lock or WAL flush).
    let polling = true;
    let peakDepth = 0;
    const backendStates = new Map<string, number>();
    let backendSamples = 0;
    const poller = (async () => {
      while (polling) {
        peakDepth = Math.max(peakDepth, await depth());
        const rows = await sql<{ what: string; n: number }[]>`
          select case when state = 'active' then 'active:' || coalesce(wait_event_type || '/' || wait_event, 'cpu')
                      else coalesce(state, '?') end as what, count(*)::int as n
          from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() group by 1`;
        for (const row of rows) backendStates.set(row.what, (backendStates.get(row.what) ?? 0) + row.n);
        backendSamples++;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    const cpuStart = cpuAt();
    const sent = await runHttpLoad(baseUrl, requests, options.concurrency);
    const cpuLoadEnd = cpuAt();
    const loadCpu = shares(cpuStart, cpuLoadEnd);
    polling = false;
    await poller;
    const depthAtLoadEnd = await depth();
    const loadEndAt = performance.now();
    const loadAfter = load1m();

    const answers = sent.answers.map((a) => {
      if (a.status !== 202) return { status: a.status, spilled: false, eventId: undefined };
      const body = JSON.parse(a.body) as { eventId: string; spilled?: boolean };
      return { status: a.status, spilled: body.spilled === true, eventId: body.eventId };
    });
    const acceptedIds = new Set(answers.filter((a) => a.spilled).map((a) => a.eventId!));
    const acceptedNotSpilled = answers.filter((a) => a.status === 202 && !a.spilled).length;
    log(
      `spillover: ${acceptedIds.size} accepted in ${sent.seconds.toFixed(1)} s (p95 ${sent.p95Ms} ms); outbox ${depthAtLoadEnd} deep at the end (peak ${peakDepth}); draining…`,
    );

    const drained = await untilEmpty();
    const drainCpu = shares(cpuLoadEnd, cpuAt());
    const loadAfterDrain = load1m();
    const drainSeconds = (drained.at - loadEndAt) / 1000;

    const allIds = new Set(answers.filter((a) => a.status === 202).map((a) => a.eventId!));
    const confirmed = () => [...allIds].filter((id) => subscriber.delivered.has(id)).length;
    await waitForDeliveries(confirmed, allIds.size, { log, label: 'spillover deliveries' });
    const endToEndSeconds = (Math.max(subscriber.lastDeliveredAt, loadEndAt) - cpuStart.at) / 1000;

    const ledger = await sql<{ id: string }[]>`select id from events where source_id = ${sourceId}`;
    const ledgerIds = new Set(ledger.map((row) => row.id));
    let temporalEventWorkflows: number | null = null;
    try {
      // Visibility lags a little behind the last workflow task.
      await new Promise((r) => setTimeout(r, 2_000));
      temporalEventWorkflows = (
        await options.client.workflow.count(`WorkflowType = 'eventWorkflow' AND HookflowSource = '${sourceId}'`)
      ).count;
    } catch (error) {
      log(`spillover: Temporal visibility count failed (${(error as Error).message})`);
    }
    const delivered = confirmed();
    const processedTwice = [...allIds].filter((id) => (subscriber.delivered.get(id) ?? 0) > 1).length;
    const perSec = acceptedIds.size / sent.seconds;
    const ratio = round(perSec / options.baselineTemporalStartsPerSec, 2);
    const lost = allIds.size - delivered;
    const relayedDuringLoad = acceptedIds.size - depthAtLoadEnd;
    const missingLedger = [...allIds].filter((id) => !ledgerIds.has(id)).length;
    return {
      requests: options.requests,
      concurrency: options.concurrency,
      spillAfterMs: 0,
      accepted: acceptedIds.size,
      allSpilled: acceptedIds.size === options.requests,
      statuses: sent.statuses,
      acceptedNotSpilled,
      errors: sent.errors,
      sendSeconds: round(sent.seconds, 2),
      spilloverAcceptedPerSec: Math.round(perSec),
      p50Ms: sent.p50Ms,
      p95Ms: sent.p95Ms,
      p99Ms: sent.p99Ms,
      maxMs: sent.maxMs,
      baselineTemporalStartsPerSec: Math.round(options.baselineTemporalStartsPerSec),
      spilloverRatio: ratio,
      direct: options.direct ?? null,
      outbox: {
        peakDepth: Math.max(peakDepth, depthAtLoadEnd),
        depthAtLoadEnd,
        relayedDuringLoad,
        relayedDuringLoadPerSec: Math.round(relayedDuringLoad / sent.seconds),
        drainSeconds: round(drainSeconds, 2),
        relayDrainPerSec: depthAtLoadEnd > 0 && drainSeconds > 0 ? Math.round(depthAtLoadEnd / drainSeconds) : null,
        relayOverallPerSec: Math.round(acceptedIds.size / ((drained.at - cpuStart.at) / 1000)),
        emptied: drained.emptied,
      },
      ledgerRows: ledgerIds.size,
      missingFromLedger: missingLedger,
      temporalEventWorkflows,
      delivered,
      lost,
      processedTwice,
      endToEndSeconds: round(endToEndSeconds, 1),
      loadAverage1m: { before: loadBefore, afterLoad: loadAfter, afterDrain: loadAfterDrain },
      postgresBackendsDuringLoad: Object.fromEntries(
        [...backendStates]
          .map(([what, n]) => [what, round(n / Math.max(1, backendSamples), 1)] as const)
          .filter(([, mean]) => mean > 0)
          .sort((a, b) => b[1] - a[1]),
      ),
      cpuPercentOfOneCore: { load: loadCpu, drain: drainCpu },
      apiCpuMsPerRequest: round(((cpuLoadEnd.api - cpuStart.api) / Math.max(1, acceptedIds.size)) * 1000, 2),
      postgres: {
        fsync: settings[0]!.fsync,
        synchronousCommit: settings[0]!.synchronous_commit,
        apiPoolSize: poolSize,
        outboxInsertsPerSec: Math.round(insertsWithNotifyPerSec),
        outboxInsertsWithoutNotifyPerSec: Math.round(insertsWithoutNotifyPerSec),
      },
      targets: {
        spilloverRatio: { target: SPILLOVER_TARGETS.spilloverRatio, met: ratio >= SPILLOVER_TARGETS.spilloverRatio },
        p95Ms: { target: SPILLOVER_TARGETS.p95Ms, met: sent.p95Ms <= SPILLOVER_TARGETS.p95Ms },
        lostZero: lost === 0 && missingLedger === 0,
        processedTwiceZero: processedTwice === 0,
      },
    };
  } finally {
    subscriber.close();
    await sql.end({ timeout: 5 });
    await Promise.all([stopChild(apiProcess), stopChild(worker)]);
  }
}

/** The `[bench]` lines for a result. */
export function describeSpillover(r: SpilloverPhaseResult): string {
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return (
    `spillover (INGRESS_SPILLOVER_AFTER=0, ${r.requests} req, c=${r.concurrency}): ${r.spilloverAcceptedPerSec}/s accepted, ` +
    `p50 ${r.p50Ms} / p95 ${r.p95Ms} / p99 ${r.p99Ms} ms (max ${r.maxMs}); statuses ${JSON.stringify(r.statuses)}, ` +
    `all spilled ${r.allSpilled}, errors ${r.errors}; spilloverRatio ${r.spilloverRatio} (÷ bare starts ${r.baselineTemporalStartsPerSec}/s, ` +
    `target ≥ ${r.targets.spilloverRatio.target}: ${met(r.targets.spilloverRatio.met)}), p95 target ≤ ${r.targets.p95Ms.target} ms: ${met(r.targets.p95Ms.met)}\n` +
    `[bench] spillover relay: outbox peak ${r.outbox.peakDepth}, ${r.outbox.depthAtLoadEnd} left at load end ` +
    `(${r.outbox.relayedDuringLoad} relayed during the load, ${r.outbox.relayedDuringLoadPerSec}/s), drained in ${r.outbox.drainSeconds} s = ` +
    `${r.outbox.relayDrainPerSec ?? '–'}/s; overall ${r.outbox.relayOverallPerSec}/s; emptied ${r.outbox.emptied}\n` +
    `[bench] spillover integrity: ledger rows ${r.ledgerRows} (missing ${r.missingFromLedger}), Temporal event workflows ${r.temporalEventWorkflows ?? '?'}, ` +
    `delivered ${r.delivered}/${r.accepted}; lost ${r.lost}, processed twice ${r.processedTwice}; end to end ${r.endToEndSeconds} s\n` +
    `[bench] spillover CPU % of one core: load ${JSON.stringify(r.cpuPercentOfOneCore.load)} (API ${r.apiCpuMsPerRequest} ms per request), drain ${JSON.stringify(r.cpuPercentOfOneCore.drain)}; ` +
    `load average ${JSON.stringify(r.loadAverage1m)}; PostgreSQL backends during the load (mean) ${JSON.stringify(r.postgresBackendsDuringLoad)}; postgres fsync=${r.postgres.fsync} synchronous_commit=${r.postgres.synchronousCommit}, API pool ${r.postgres.apiPoolSize}, ` +
    `the outbox statement alone ${r.postgres.outboxInsertsPerSec}/s (without pg_notify ${r.postgres.outboxInsertsWithoutNotifyPerSec}/s)`
  );
}
