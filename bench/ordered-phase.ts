// The ordered-delivery phase of `npm run bench`: N events to ONE FIFO subscription (`"ordering": "fifo"`),
// counting deliveries/s and every place where the subscriber saw them out of acceptance order.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import postgres from 'postgres';
import { signPartnerRequest } from '../src/schemes/index.js';
import { runHttpLoad, type LoadRequest } from './http-load.js';
import { orderedCycle, type OrderedCycle } from './ordered-history.js';
import { cpuSeconds, cpuSecondsByPid, cpuSecondsOfCommandSince } from './rss.js';
import { waitForDeliveries } from './wait-deliveries.js';

/** How long the subscriber holds each answer, so two deliveries let in together would overlap (and be counted). */
const HOLD_MS = 5;

interface OrderedSubscriber {
  url: string;
  /** Event ids (webhook-id) in the order their first 2xx was answered. */
  arrivals: string[];
  /** Event id → how many times it was answered 2xx. */
  delivered: Map<string, number>;
  /** `performance.now()` of each first arrival, parallel to `arrivals`. */
  arrivedAt: number[];
  /** `performance.now()` of the latest 2xx answer (0 before the first). */
  readonly lastDeliveredAt: number;
  /** The most requests it had in progress at once. */
  readonly maxConcurrent: number;
  close(): void;
}

/** A subscriber that answers 200 after HOLD_MS and records arrival order and how many requests overlapped. */
function startOrderedSubscriber(): Promise<OrderedSubscriber> {
  const arrivals: string[] = [];
  const arrivedAt: number[] = [];
  const delivered = new Map<string, number>();
  const state = { inFlight: 0, maxConcurrent: 0, lastDeliveredAt: 0 };
  const server: Server = createServer((req, res) => {
    state.inFlight++;
    state.maxConcurrent = Math.max(state.maxConcurrent, state.inFlight);
    const id = String(req.headers['webhook-id']);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        const times = delivered.get(id) ?? 0;
        delivered.set(id, times + 1);
        if (times === 0) {
          arrivals.push(id);
          arrivedAt.push(performance.now());
        }
        state.lastDeliveredAt = performance.now();
        state.inFlight--;
        res.writeHead(200).end();
      }, HOLD_MS);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        arrivals,
        arrivedAt,
        delivered,
        get lastDeliveredAt() {
          return state.lastDeliveredAt;
        },
        get maxConcurrent() {
          return state.maxConcurrent;
        },
        close() {
          server.close();
          server.closeAllConnections();
        },
      }),
    ),
  );
}

/** `count` courier events signed with the generic HMAC scheme (`hmac-sha256`), all distinct. */
function courierRequests(sourceId: string, secret: string, count: number, tag: string): LoadRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.stringify({
      eventId: `${tag}-${i}`,
      eventType: 'shipment.delivered',
      occurredAt: new Date().toISOString(),
      source: 'bench-courier',
      idempotencyKey: `${tag}-${i}`,
      payload: { shipmentId: `shp_${i}`, sequence: i, note: 'x'.repeat(200) },
    });
    return {
      path: `/v1/webhooks/${sourceId}`,
      headers: signPartnerRequest({ scheme: 'hmac-sha256', secret, body }),
      body,
    };
  });
}

/** Positions i where `arrivals[i]` was accepted before `arrivals[i-1]` (ids missing from `rank` are skipped). */
export function countOrderViolations(arrivals: string[], rank: Map<string, number>): number {
  let violations = 0;
  for (let i = 1; i < arrivals.length; i++) {
    const previous = rank.get(arrivals[i - 1]!);
    const current = rank.get(arrivals[i]!);
    if (previous !== undefined && current !== undefined && current < previous) violations++;
  }
  return violations;
}

const median = (values: number[]) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

export interface OrderedPhaseOptions {
  baseUrl: string;
  /** POSTs a management API call (`/v1/sources`, `/v1/subscriptions`). */
  api: <T>(path: string, body: unknown) => Promise<T>;
  databaseUrl: string;
  /** To read where each delivery's serial time goes from the dispatcher's and the lanes' histories. */
  client?: Client | undefined;
  events: number;
  concurrency: number;
  /** The run's unordered end-to-end deliveries/s, when it has one (for `orderedRatio`). */
  unorderedDeliveriesPerSec?: number | undefined;
  pids: { temporal?: number | undefined; worker?: number | undefined; api?: number | undefined };
  log: (line: string) => void;
}

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

/**
 * Sends `events` signed events at `concurrency` to a source with ONE FIFO subscription, waits for
 * every delivery, and compares the subscriber's arrival order with the acceptance order PostgreSQL
 * recorded (`events` by `received_at`, then `id`, as the dispatcher admits them).
 */
export async function runOrderedPhase(options: OrderedPhaseOptions): Promise<OrderedPhaseResult> {
  const { log } = options;
  const subscriber = await startOrderedSubscriber();
  const sql = postgres(options.databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const sourceId = `bench-ordered-${Date.now().toString(36)}`;
    const secret = `bench-${randomBytes(24).toString('hex')}`;
    await options.api('/v1/sources', { id: sourceId, scheme: 'hmac-sha256', secret });
    const subscription = await options.api<{ id: string }>('/v1/subscriptions', {
      url: subscriber.url,
      eventTypes: ['*'],
      sourceIds: [sourceId],
      ordering: 'fifo',
    });
    const requests = courierRequests(sourceId, secret, options.events, sourceId);
    log(
      `ordered: ${options.events} events to one FIFO subscription (${subscription.id}), concurrency ${options.concurrency}…`,
    );
    const cpuBefore = {
      temporal: cpuSeconds(options.pids.temporal),
      worker: cpuSeconds(options.pids.worker),
      api: cpuSeconds(options.pids.api),
      postgres: cpuSecondsByPid('postgres'),
      bench: process.cpuUsage(),
    };
    const start = performance.now();
    const sent = await runHttpLoad(options.baseUrl, requests, options.concurrency);
    const acceptedAnswers = sent.answers
      .filter((a) => a.status === 202)
      .map((a) => JSON.parse(a.body) as { eventId: string; spilled?: boolean });
    const acceptedIds = new Set(acceptedAnswers.map((a) => a.eventId));
    log(`ordered: ${acceptedIds.size} accepted in ${sent.seconds.toFixed(1)} s; waiting for the deliveries…`);
    const confirmed = () => [...acceptedIds].filter((id) => subscriber.delivered.has(id)).length;
    await waitForDeliveries(confirmed, acceptedIds.size, { log, label: 'ordered' });
    const seconds = (Math.max(subscriber.lastDeliveredAt, start + 1) - start) / 1000;
    const benchCpu = process.cpuUsage(cpuBefore.bench);
    const cpuShare = (used: number) => Math.round((used / seconds) * 100);
    const cpuPercentOfOneCore = {
      temporalServerPct: cpuShare(cpuSeconds(options.pids.temporal) - cpuBefore.temporal),
      workerPct: cpuShare(cpuSeconds(options.pids.worker) - cpuBefore.worker),
      apiPct: cpuShare(cpuSeconds(options.pids.api) - cpuBefore.api),
      postgresPct: cpuShare(cpuSecondsOfCommandSince('postgres', cpuBefore.postgres)),
      benchAndSubscriberPct: cpuShare((benchCpu.user + benchCpu.system) / 1e6),
    };

    // Acceptance order as the ledger has it; ids compared bytewise, as the dispatcher compares them.
    const accepted = await sql<{ id: string }[]>`
      select id from events where source_id = ${sourceId} order by received_at, id collate "C"`;
    const rank = new Map(accepted.map((row, i) => [row.id, i]));
    const delivered = confirmed();
    const gaps = subscriber.arrivedAt.slice(1).map((at, i) => at - subscriber.arrivedAt[i]!);
    const orderedDeliveriesPerSec = delivered / seconds;
    const cycle = options.client ? await orderedCycle(options.client, subscription.id) : null;
    return {
      events: options.events,
      concurrency: options.concurrency,
      accepted: acceptedIds.size,
      spilled: acceptedAnswers.filter((a) => a.spilled === true).length,
      ingressErrors: sent.errors + sent.answers.filter((a) => a.status !== 202 && a.status !== 0).length,
      delivered,
      lost: acceptedIds.size - delivered,
      duplicates: [...subscriber.delivered.values()].filter((n) => n > 1).length,
      orderViolations: countOrderViolations(subscriber.arrivals, rank),
      orderedMaxConcurrent: subscriber.maxConcurrent,
      seconds: Math.round(seconds * 10) / 10,
      sendSeconds: Math.round(sent.seconds * 10) / 10,
      orderedDeliveriesPerSec: Math.round(orderedDeliveriesPerSec * 100) / 100,
      medianGapMs: Math.round(median(gaps)),
      orderedRatio: options.unorderedDeliveriesPerSec
        ? Math.round((orderedDeliveriesPerSec / options.unorderedDeliveriesPerSec) * 1000) / 1000
        : null,
      subscriptionId: subscription.id,
      loadAverage1m: Math.round(loadavg()[0]! * 10) / 10,
      cycle,
      cpuPercentOfOneCore,
    };
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
