// The ordered-delivery phase of `npm run bench`: N events to ONE FIFO subscription (`"ordering": "fifo"`),
// counting deliveries/s and every place where the subscriber saw them out of acceptance order.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import postgres from 'postgres';
import { cpuUsed, percentOfOneCore, readCpu } from '../runner/cpu.js';
import { runHttpLoad, type LoadRequest } from '../runner/http-load.js';
import type { Phase, PhaseContext } from '../runner/phase.js';
import { waitForDeliveries } from '../runner/wait-deliveries.js';
import { orderedCycle, type OrderedCycle } from './ordered/history.js';
import { countOrderViolations, courierRequests, median } from './ordered/events.js';
import { startOrderedSubscriber, type OrderedSubscriber } from './ordered/subscriber.js';

type CpuShares = OrderedPhaseResult['cpuPercentOfOneCore'];

export interface OrderedPhaseResult {
  events: number;
  concurrency: number;
  accepted: number;
  /** Accepted into PostgreSQL's ingress outbox (`spilled: true`) rather than started at once. */
  spilled: number;
  ingressErrors: number;
  delivered: number;
  lost: number;
  duplicates: number;
  orderViolations: number;
  orderedMaxConcurrent: number;
  seconds: number;
  sendSeconds: number;
  orderedDeliveriesPerSec: number;
  /** Median time between two consecutive deliveries: the serial cost of one. */
  medianGapMs: number;
  orderedRatio: number | null;
  subscriptionId: string;
  /** The machine's 1-minute load average when the deliveries were done (above its core count: something else ran too). */
  loadAverage1m: number;
  cycle: OrderedCycle | null;
  cpuPercentOfOneCore: {
    temporalServerPct: number;
    workerPct: number;
    apiPct: number;
    postgresPct: number;
    benchAndSubscriberPct: number;
  };
}

/** Sends the requests, waits for every delivery; returns what was accepted, how long it took and the CPU it cost. */
async function sendAndDeliver(
  { stack, options, log }: PhaseContext,
  subscriber: OrderedSubscriber,
  requests: LoadRequest[],
  pids: { temporal: number | undefined; worker: number | undefined; api: number | undefined },
) {
  const before = readCpu(pids, { postgres: true });
  const start = performance.now();
  const sent = await runHttpLoad(stack.baseUrl, requests, options.sizes.orderedConcurrency);
  const acceptedAnswers = sent.answers
    .filter((a) => a.status === 202)
    .map((a) => JSON.parse(a.body) as { eventId: string; spilled?: boolean });
  const acceptedIds = new Set(acceptedAnswers.map((a) => a.eventId));
  log(`ordered: ${acceptedIds.size} accepted in ${sent.seconds.toFixed(1)} s; waiting for the deliveries…`);
  const confirmed = () => [...acceptedIds].filter((id) => subscriber.delivered.has(id)).length;
  await waitForDeliveries(confirmed, acceptedIds.size, { log, label: 'ordered' });
  const seconds = (Math.max(subscriber.lastDeliveredAt, start + 1) - start) / 1000;
  const used = cpuUsed(before, readCpu(pids, { postgres: true }));
  const share = (cpu: number) => percentOfOneCore(cpu, seconds);
  const cpuPercentOfOneCore: CpuShares = {
    temporalServerPct: share(used.processes.temporal),
    workerPct: share(used.processes.worker),
    apiPct: share(used.processes.api),
    postgresPct: share(used.postgres),
    benchAndSubscriberPct: share(used.bench),
  };
  return { sent, acceptedAnswers, acceptedIds, seconds, confirmed, cpuPercentOfOneCore };
}

type Delivery = Awaited<ReturnType<typeof sendAndDeliver>>;

/** What the subscriber saw, against the acceptance order and the run's unordered e2e rate. */
function orderedResult(
  ctx: PhaseContext,
  subscriber: OrderedSubscriber,
  run: Delivery & { rank: Map<string, number>; subscriptionId: string; delivered: number },
  cycle: OrderedCycle | null,
): OrderedPhaseResult {
  const { sent, seconds, delivered } = run;
  const { orderedEvents, orderedConcurrency } = ctx.options.sizes;
  const unordered = ctx.findings.unorderedDeliveriesPerSec;
  const gaps = subscriber.arrivedAt.slice(1).map((at, i) => at - subscriber.arrivedAt[i]!);
  const orderedDeliveriesPerSec = delivered / seconds;
  return {
    events: orderedEvents,
    concurrency: orderedConcurrency,
    accepted: run.acceptedIds.size,
    spilled: run.acceptedAnswers.filter((a) => a.spilled === true).length,
    ingressErrors: sent.errors + sent.answers.filter((a) => a.status !== 202 && a.status !== 0).length,
    delivered,
    lost: run.acceptedIds.size - delivered,
    duplicates: [...subscriber.delivered.values()].filter((n) => n > 1).length,
    orderViolations: countOrderViolations(subscriber.arrivals, run.rank),
    orderedMaxConcurrent: subscriber.maxConcurrent,
    seconds: Math.round(seconds * 10) / 10,
    sendSeconds: Math.round(sent.seconds * 10) / 10,
    orderedDeliveriesPerSec: Math.round(orderedDeliveriesPerSec * 100) / 100,
    medianGapMs: Math.round(median(gaps)),
    orderedRatio: unordered ? Math.round((orderedDeliveriesPerSec / unordered) * 1000) / 1000 : null,
    subscriptionId: run.subscriptionId,
    loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
    cycle,
    cpuPercentOfOneCore: run.cpuPercentOfOneCore,
  };
}

/**
 * Sends `--ordered-events` signed events at `--ordered-concurrency` to a source with ONE FIFO
 * subscription, waits for every delivery, and compares the subscriber's arrival order with the
 * acceptance order PostgreSQL recorded (`events` by `received_at`, then `id`, as the dispatcher admits them).
 */
async function runOrdered(ctx: PhaseContext): Promise<OrderedPhaseResult> {
  const { stack, log } = ctx;
  const { orderedEvents, orderedConcurrency } = ctx.options.sizes;
  const hookflow = await stack.hookflow();
  const client = await stack.client();
  const subscriber = await startOrderedSubscriber();
  const sql = postgres(stack.infra.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const sourceId = `bench-ordered-${Date.now().toString(36)}`;
    const secret = `bench-${randomBytes(24).toString('hex')}`;
    await stack.api.post('/v1/sources', { id: sourceId, scheme: 'hmac-sha256', secret });
    const subscription = await stack.api.post<{ id: string }>('/v1/subscriptions', {
      url: subscriber.url,
      eventTypes: ['*'],
      sourceIds: [sourceId],
      ordering: 'fifo',
    });
    const requests = courierRequests(sourceId, secret, orderedEvents, sourceId);
    log(
      `ordered: ${orderedEvents} events to one FIFO subscription (${subscription.id}), concurrency ${orderedConcurrency}…`,
    );
    const pids = { temporal: stack.infra.temporalPid, worker: hookflow.worker.pid, api: hookflow.api.pid };
    const run = await sendAndDeliver(ctx, subscriber, requests, pids);
    // Acceptance order as the ledger has it; ids compared bytewise, as the dispatcher compares them.
    const accepted = await sql<{ id: string }[]>`
      select id from events where source_id = ${sourceId} order by received_at, id collate "C"`;
    const rank = new Map(accepted.map((row, i) => [row.id, i]));
    const details = { ...run, rank, subscriptionId: subscription.id, delivered: run.confirmed() };
    return orderedResult(ctx, subscriber, details, await orderedCycle(client, subscription.id));
  } finally {
    subscriber.close();
    await sql.end({ timeout: 5 });
  }
}

/** The `[bench]` line for a result. */
export function describeOrdered(result: OrderedPhaseResult): string {
  return (
    `ordered (FIFO, 1 subscription): ${result.delivered}/${result.accepted} deliveries in ${result.seconds} s = ` +
    `${result.orderedDeliveriesPerSec}/s (median ${result.medianGapMs} ms apart); order violations ${result.orderViolations}, ` +
    `max concurrent ${result.orderedMaxConcurrent}, lost ${result.lost}, duplicates ${result.duplicates}, spilled ${result.spilled}` +
    (result.orderedRatio === null ? '' : `; orderedRatio ${result.orderedRatio} of unordered e2e`) +
    `; CPU % of one core ${JSON.stringify(result.cpuPercentOfOneCore)}` +
    (result.cycle ? `; per delivery (median ms) ${JSON.stringify(result.cycle)}` : '')
  );
}

/** On Hookflow's worker and API (the e2e phase's when it ran), right after end to end. */
export const orderedPhase: Phase = {
  name: 'ordered',
  async run(ctx) {
    const ordered = await runOrdered(ctx);
    return {
      result: { ...ordered, reorderWindowMs: ctx.stack.config.ORDERING_REORDER_WINDOW },
      lines: [describeOrdered(ordered)],
    };
  },
};
