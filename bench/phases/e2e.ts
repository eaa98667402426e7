// The end-to-end phase of `npm run bench`: signed events with 10% duplicates through Hookflow's API
// and worker, fanned out to 2 subscribers (one failing 5% of first attempts), until every delivery is
// confirmed; compared with the bare Temporal delivery shapes measured just before on the same server.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { temporalCostPerDelivery, type TemporalCost } from '../baselines/history.js';
import type { BaselineShape } from '../baselines/delivery-baseline.js';
import type { BaselineSuiteResult } from '../baselines/suite.js';
import { cpuUsed, percentOfOneCore, readCpu } from '../runner/cpu.js';
import { runHttpLoad } from '../runner/http-load.js';
import { sampleRss, sampleWorkerMemory, type MemoryBreakdown } from '../runner/memory.js';
import { required, type Phase, type PhaseContext } from '../runner/phase.js';
import { signedRequests, uniqueOf } from '../runner/signed-requests.js';
import type { HookflowProcesses } from '../runner/stack.js';
import { startSubscriber, type Subscriber } from '../runner/subscriber.js';
import { waitForDeliveries } from '../runner/wait-deliveries.js';

const round1 = (n: number) => Math.round(n * 10) / 10;
const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Sends `--events` signed events (10% duplicates) to `source` and waits until every delivery to the
 * two subscribers is confirmed; what was sent, delivered and the CPU it cost.
 */
export async function sendAndDeliver(
  { stack, options, log }: PhaseContext,
  hookflow: HookflowProcesses,
  [steady, flaky]: [Subscriber, Subscriber],
  source: { id: string; secret: string; tag: string },
) {
  const set = signedRequests(source.id, source.secret, options.sizes.e2e, source.tag);
  const pids = { temporal: stack.infra.temporalPid, worker: hookflow.worker.pid, api: hookflow.api.pid };
  const before = readCpu(pids, { postgres: true, machine: true });
  const start = performance.now();
  const sent = await runHttpLoad(stack.baseUrl, set.requests, options.sizes.concurrency);
  const sentSeconds = (performance.now() - start) / 1000;
  const acceptedAnswers = sent.answers
    .filter((a) => a.status === 202)
    .map((a) => JSON.parse(a.body) as { eventId: string; workflowId: string });
  const acceptedIds = new Set(acceptedAnswers.map((a) => a.eventId));
  const expected = acceptedIds.size * 2;
  // Wait until every delivery is confirmed; give up only when nothing has progressed for 90 s
  // (or after 40 min): what is still missing then is reported as lost.
  const confirmed = () =>
    [...acceptedIds].filter((id) => steady.delivered.has(id)).length +
    [...acceptedIds].filter((id) => flaky.delivered.has(id)).length;
  const deliveredWhenSent = confirmed();
  await waitForDeliveries(confirmed, expected, { log, label: source.tag });
  // The moment of the last 2xx a subscriber answered (not when the wait gave up).
  const seconds = (Math.max(steady.lastDeliveredAt, flaky.lastDeliveredAt, start + 1) - start) / 1000;
  const used = cpuUsed(before, readCpu(pids, { postgres: true, machine: true }));
  // Where the two cores went during e2e: the component near one full core is the bound.
  const share = (cpu: number) => percentOfOneCore(cpu, seconds);
  const cpu = {
    temporalServerPct: share(used.processes.temporal),
    workerPct: share(used.processes.worker),
    apiPct: share(used.processes.api),
    postgresPct: share(used.postgresNet),
    benchAndSubscribersPct: share(used.bench),
    machinePct: share(used.machineBusy),
  };
  // Whether the ingress or the delivery side bounds the phase: how long the sends took and how much was delivered by then.
  log(
    `${source.tag}: ${set.requests.length} requests answered in ${round1(sentSeconds)} s (c=${options.sizes.concurrency}); ${deliveredWhenSent}/${expected} delivered by then`,
  );
  return { set, sent, acceptedAnswers, acceptedIds, expected, delivered: confirmed(), seconds, sentSeconds, cpu };
}

type Delivery = Awaited<ReturnType<typeof sendAndDeliver>>;

/**
 * Heap snapshots of the worker (started with `--heapsnapshot-signal=SIGWINCH --diagnostic-dir=dir`): one
 * now, or one once a condition holds (polled every 200 ms); each waits until its file stops growing.
 */
function workerHeapSnapshots(worker: ChildProcess, dir: string, log: (line: string) => void) {
  mkdirSync(dir, { recursive: true });
  const take = async (label: string) => {
    const before = new Set(readdirSync(dir));
    worker.kill('SIGWINCH');
    let size = -1;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const file = readdirSync(dir).find((name) => name.endsWith('.heapsnapshot') && !before.has(name));
      const now = file ? statSync(join(dir, file)).size : -1;
      if (file && now === size) {
        log(`e2e: heap snapshot of the worker (${label}): ${join(dir, file)}`);
        return;
      }
      size = now;
    }
  };
  return {
    take,
    /** Takes one once `condition` holds; `cancel()` gives up (the phase ended first). */
    takeWhen(condition: () => boolean, label: string) {
      let cancelled = false;
      const done = (async () => {
        while (!cancelled && !condition()) await new Promise((resolve) => setTimeout(resolve, 200));
        if (!cancelled) await take(label);
      })();
      return {
        done,
        cancel: () => {
          cancelled = true;
        },
      };
    },
  };
}

/** Each process's CPU ms per delivery (from its % of one core over the phase), their total, and the whole machine's. */
function cpuMsPerDelivery(percents: Record<string, number>, seconds: number, delivered: number) {
  const { machinePct, ...processes } = percents;
  const ms = (pct: number) => round1((pct * 10 * seconds) / Math.max(1, delivered));
  const perDelivery = Object.fromEntries(
    Object.entries(processes).map(([name, pct]) => [name.replace(/Pct$/, ''), ms(pct)]),
  );
  const total = round1(Object.values(perDelivery).reduce((sum, each) => sum + each, 0));
  // The worker's share is also read on its own (workerCpuMsPerDelivery).
  return { ...perDelivery, worker: ms(processes.workerPct ?? 0), total, machine: ms(machinePct ?? 0) };
}

/** How the bare shapes did, as e2e reports them next to its own figures. */
function baselineFigures(baselines: BaselineSuiteResult) {
  return {
    baselineFlatDeliveriesPerSec: baselines.flat.deliveriesPerSec,
    baselineChildDeliveriesPerSec: baselines.child.deliveriesPerSec,
    baselineLocalFirstDeliveriesPerSec: baselines.localFirst.deliveriesPerSec,
  };
}

function e2eResult(
  run: Delivery,
  flaky: Subscriber,
  duplicateDeliveries: number,
  baselines: BaselineSuiteResult,
  measured: {
    cost: TemporalCost;
    apiPeakRssMb: number;
    workerPeakRssMb: number;
    workerPeakMemory: MemoryBreakdown | undefined;
  },
) {
  const { set, acceptedIds, delivered, expected, seconds } = run;
  const deliveriesPerSec = delivered / seconds;
  const { flat, child, localFirst } = baselines;
  const bestBaseline = Math.max(flat.deliveriesPerSec, child.deliveriesPerSec, localFirst.deliveriesPerSec);
  const best = [flat, child, localFirst].find((b) => b.deliveriesPerSec === bestBaseline)!;
  const hookflowCpu = cpuMsPerDelivery(run.cpu, seconds, delivered);
  const baselineCpu = Object.fromEntries(
    Object.values(baselines).map((b) => [b.shape, cpuMsPerDelivery(b.cpuPercentOfOneCore, b.seconds, b.delivered)]),
  ) as Record<BaselineShape, ReturnType<typeof cpuMsPerDelivery>>;
  return {
    events: set.requests.length,
    uniqueEvents: set.unique,
    duplicatesInjected: set.requests.length - set.unique,
    accepted: acceptedIds.size,
    duplicateAcks: run.sent.answers.filter((a) => a.status === 200).length,
    delivered,
    expectedDeliveries: expected,
    lost: expected - delivered,
    processedTwice: Math.max(0, acceptedIds.size - set.unique),
    duplicateDeliveries,
    firstAttempt503s: flaky.failed,
    seconds: round1(seconds),
    deliveriesPerSec: Math.round(deliveriesPerSec),
    ...baselineFigures(baselines),
    e2eRatio: round2(deliveriesPerSec / flat.deliveriesPerSec),
    e2eRatioBest: round2(deliveriesPerSec / bestBaseline),
    historyEventsPerDelivery: round1(measured.cost.historyEvents),
    baselineFlatHistoryEventsPerDelivery: flat.historyEventsPerDelivery,
    baselineChildHistoryEventsPerDelivery: child.historyEventsPerDelivery,
    baselineLocalFirstHistoryEventsPerDelivery: localFirst.historyEventsPerDelivery,
    historyRatio: round2(measured.cost.historyEvents / flat.historyEventsPerDelivery),
    // Temporal Cloud billable actions per delivery, counted from the same histories (bench/baselines/history.ts says how).
    billableActionsPerDelivery: round1(measured.cost.billableActions),
    baselineBillableActionsPerDelivery: {
      flat: flat.billableActionsPerDelivery,
      child: child.billableActionsPerDelivery,
      localFirst: localFirst.billableActionsPerDelivery,
    },
    // Worker CPU per delivery: every millisecond of it is taken from Temporal on a 2-core machine.
    workerCpuMsPerDelivery: hookflowCpu.worker,
    baselineWorkerCpuMsPerDelivery: Object.fromEntries(
      Object.entries(baselineCpu).map(([shape, cpu]) => [shape, cpu.worker]),
    ),
    // Every process's CPU per delivery, and their sum: when the cores bound both shapes, their
    // deliveries/s are in the inverse ratio of these sums (cpuBoundRatio).
    cpuMsPerDelivery: hookflowCpu,
    cpuBoundRatio: round2(baselineCpu[best.shape].total / Math.max(0.1, hookflowCpu.total)),
    baselineCpuMsPerDelivery: baselineCpu,
    baselineCpuPercentOfOneCore: {
      flat: flat.cpuPercentOfOneCore,
      child: child.cpuPercentOfOneCore,
      localFirst: localFirst.cpuPercentOfOneCore,
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
    ingestPerSec: Math.round(run.sent.perSecond),
    sentSeconds: round1(run.sentSeconds),
    // Where a happy-path run's time goes (medians, ms): the worker's task queue, inside its workflow tasks, start to close.
    runMedianMs: measured.cost.medianMs,
    baselineRunMedianMs: Object.fromEntries(Object.values(baselines).map((b) => [b.shape, b.runMedianMs])),
    apiPeakRssMb: measured.apiPeakRssMb,
    workerPeakRssMb: measured.workerPeakRssMb,
    // What the worker's resident memory was made of at its highest sample (every 2 s).
    workerPeakMemory: measured.workerPeakMemory,
    cpuPercentOfOneCore: run.cpu,
  };
}

/** Its seven `[bench]` lines. */
function describeE2e(r: ReturnType<typeof e2eResult>): string[] {
  return [
    `e2e: ${r.delivered}/${r.expectedDeliveries} deliveries in ${r.seconds} s = ${r.deliveriesPerSec}/s; lost ${r.lost}, processed twice ${r.processedTwice}, duplicate deliveries ${r.duplicateDeliveries}; peak RSS api ${r.apiPeakRssMb} MB, worker ${r.workerPeakRssMb} MB; CPU % of one core: ${JSON.stringify(r.cpuPercentOfOneCore)}`,
    `e2e vs bare Temporal: flat ${r.baselineFlatDeliveriesPerSec}/s, child ${r.baselineChildDeliveriesPerSec}/s, localFirst ${r.baselineLocalFirstDeliveriesPerSec}/s; e2eRatio ${r.e2eRatio}, e2eRatioBest ${r.e2eRatioBest}; CPU % of one core ${JSON.stringify(r.baselineCpuPercentOfOneCore)}`,
    `history events/delivery: hookflow ${r.historyEventsPerDelivery}, flat ${r.baselineFlatHistoryEventsPerDelivery}, child ${r.baselineChildHistoryEventsPerDelivery}, localFirst ${r.baselineLocalFirstHistoryEventsPerDelivery}; historyRatio ${r.historyRatio}`,
    `run time, medians ms (queued for a worker / in workflow tasks / start to close): hookflow ${JSON.stringify(r.runMedianMs)}, bare ${JSON.stringify(r.baselineRunMedianMs)}`,
    `CPU ms per delivery by process: hookflow ${JSON.stringify(r.cpuMsPerDelivery)}, bare ${JSON.stringify(r.baselineCpuMsPerDelivery)}; the best bare shape's total ÷ hookflow's = ${r.cpuBoundRatio} (e2eRatioBest when both are bound by the cores)`,
    `worker memory at its highest sample, MB: ${JSON.stringify(r.workerPeakMemory)}`,
    `per delivery: billable actions hookflow ${r.billableActionsPerDelivery}, bare ${JSON.stringify(r.baselineBillableActionsPerDelivery)}; worker CPU ms hookflow ${r.workerCpuMsPerDelivery}, bare ${JSON.stringify(r.baselineWorkerCpuMsPerDelivery)}`,
  ];
}

/**
 * Starts Hookflow's worker and API (which the ordered phase uses next), sends `--events` events and
 * reads the Temporal cost per delivery from a sample of happy-path histories. Leaves its deliveries/s
 * for the ordered phase's ratio.
 */
export const e2ePhase: Phase = {
  name: 'e2e',
  async run(ctx) {
    const { stack, findings, log } = ctx;
    const baselines = required(ctx, 'deliveryBaselines', 'e2e');
    const hookflow = await stack.hookflow();
    const apiRss = sampleRss(hookflow.api.pid!);
    const workerRss = sampleRss(hookflow.worker.pid!);
    const workerMemory = sampleWorkerMemory(hookflow.worker.pid!, hookflow.workerMetricsUrl);
    log('e2e: fan-out to 2 subscribers, one failing 5% of first attempts…');
    const [steady, flaky] = await Promise.all([startSubscriber(false), startSubscriber(true)]);
    stack.closeAtEnd(steady);
    stack.closeAtEnd(flaky);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await stack.api.post('/v1/sources', { id: 'bench-e2e', scheme: 'standard-webhooks', secret });
    for (const sub of [steady, flaky])
      await stack.api.post('/v1/subscriptions', { url: sub.url, eventTypes: ['*'], sourceIds: ['bench-e2e'] });
    const snapshotDir = ctx.options.heapSnapshotWorkerDir;
    const snapshots = snapshotDir ? workerHeapSnapshots(hookflow.worker, snapshotDir, log) : undefined;
    await snapshots?.take('before e2e');
    const halfway = snapshots?.takeWhen(
      () => steady.delivered.size + flaky.delivered.size >= uniqueOf(ctx.options.sizes.e2e),
      'halfway',
    );
    const run = await sendAndDeliver(ctx, hookflow, [steady, flaky], { id: 'bench-e2e', secret, tag: 'e2e' });
    halfway?.cancel();
    await halfway?.done;
    const duplicateDeliveries = [...steady.delivered.values(), ...flaky.delivered.values()].filter((n) => n > 1).length;
    // Temporal cost on the happy path: event workflows (and any children) of events whose first attempts all succeeded.
    const happy = run.acceptedAnswers.filter((a) => !flaky.failedIds.has(a.eventId)).map((a) => a.workflowId);
    const cost = await temporalCostPerDelivery(await stack.client(), happy, 2);
    findings.unorderedDeliveriesPerSec = run.delivered / run.seconds;
    // Peak RSS of the e2e phase alone (the ordered phase runs on the same processes next).
    const apiPeakRssMb = Math.max(apiRss.stop(), findings.ingressApiPeakRssMb ?? 0);
    const result = e2eResult(run, flaky, duplicateDeliveries, baselines, {
      cost,
      apiPeakRssMb,
      workerPeakRssMb: workerRss.stop(),
      workerPeakMemory: await workerMemory.stop(),
    });
    return { result, lines: describeE2e(result) };
  },
};
