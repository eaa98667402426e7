// The measured steps of the spillover phase, in the order it runs them: warm up, load, drain, check.
import { loadavg } from 'node:os';
import type { Client } from '@temporalio/client';
import type postgres from 'postgres';
import { cpuUsed, readCpu } from '../../runner/cpu.js';
import { runHttpLoad } from '../../runner/http-load.js';
import type { ManagementApi } from '../../runner/management-api.js';
import type { PhaseContext } from '../../runner/phase.js';
import { distinctSignedEvents } from '../../runner/signed-requests.js';
import type { Subscriber } from '../../runner/subscriber.js';
import { waitForDeliveries } from '../../runner/wait-deliveries.js';
import type { SpilloverDrain, SpilloverIntegrity, SpilloverLoad } from './measurements.js';
import type { OutboxWatch } from './outbox.js';

const WARM_REQUESTS = 300;

/** The load and the event ids of all its 202 answers (spilled or not: each must be delivered once). */
export type AcceptedLoad = SpilloverLoad & { allAcceptedIds: string[] };

const load1m = () => Math.round(loadavg()[0]! * 10) / 10;

/** What the steps of the phase share: the spilling API, its worker, the subscriber and one PostgreSQL connection. */
export interface SpilloverRun {
  ctx: PhaseContext;
  baseUrl: string;
  pids: { api: number | undefined; worker: number | undefined; temporal: number | undefined };
  api: ManagementApi;
  client: Client;
  subscriber: Subscriber;
  sql: postgres.Sql;
  outbox: OutboxWatch;
  tag: string;
  secret: string;
  /** Bare starts/s measured in the same run, same count and concurrency. */
  baselineTemporalStartsPerSec: number;
}

/**
 * Warms the API and the relay on a source of their own (the relay drains the warm-up's rows, so the
 * measured depth is the load's alone), and lets the warm-up's workflows finish, so the measured load
 * does not pay for them.
 */
export async function warmUp(run: SpilloverRun): Promise<void> {
  const warmSource = `bench-spill-warm-${run.tag}`;
  await run.api.post('/v1/sources', { id: warmSource, scheme: 'standard-webhooks', secret: run.secret });
  const requests = distinctSignedEvents(warmSource, run.secret, WARM_REQUESTS, `spillwarm_${run.tag}`);
  await runHttpLoad(run.baseUrl, requests, run.ctx.options.sizes.concurrency);
  await run.outbox.untilEmpty();
  const warmDeadline = Date.now() + 60_000;
  for (;;) {
    const [row] = await run.sql<{ n: number }[]>`select count(*)::int as n from events where source_id = ${warmSource}`;
    let running: number;
    try {
      running = (
        await run.client.workflow.count(
          `WorkflowType = 'eventWorkflow' AND HookflowSource = '${warmSource}' AND ExecutionStatus = 'Running'`,
        )
      ).count;
    } catch {
      running = 0; // no visibility count: the ledger alone decides
    }
    if ((row!.n >= WARM_REQUESTS && running === 0) || Date.now() > warmDeadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Sends the phase's distinct signed webhooks while the outbox depth and PostgreSQL's backends are sampled. */
export async function measureLoad(run: SpilloverRun, sourceId: string): Promise<AcceptedLoad> {
  const { ingress: requests, concurrency } = run.ctx.options.sizes;
  const load = distinctSignedEvents(sourceId, run.secret, requests, `spill_${run.tag}`);
  run.ctx.log(`spillover: ${requests} requests at c=${concurrency} to an API with INGRESS_SPILLOVER_AFTER=0…`);
  const loadAverageBefore = load1m();
  const sampling = run.outbox.sampleWhileLoading();
  const cpuStart = readCpu(run.pids, { postgres: true, machine: true });
  const sent = await runHttpLoad(run.baseUrl, load, concurrency);
  const cpuEnd = readCpu(run.pids, { postgres: true, machine: true });
  const { peakDepth, backends } = await sampling.stop();
  const depthAtLoadEnd = await run.outbox.depth();
  const endAt = performance.now();
  const loadAverageAfter = load1m();
  const answers = sent.answers.map((a) => {
    if (a.status !== 202) return { status: a.status, spilled: false, eventId: undefined };
    const body = JSON.parse(a.body) as { eventId: string; spilled?: boolean };
    return { status: a.status, spilled: body.spilled === true, eventId: body.eventId };
  });
  const accepted = new Set(answers.filter((a) => a.spilled).map((a) => a.eventId!)).size;
  run.ctx.log(
    `spillover: ${accepted} accepted in ${sent.seconds.toFixed(1)} s (p95 ${sent.p95Ms} ms); outbox ${depthAtLoadEnd} deep at the end (peak ${peakDepth}); draining…`,
  );
  return {
    sent,
    accepted,
    acceptedNotSpilled: answers.filter((a) => a.status === 202 && !a.spilled).length,
    allAcceptedIds: [...new Set(answers.filter((a) => a.status === 202).map((a) => a.eventId!))],
    peakDepth,
    depthAtLoadEnd,
    backends,
    cpuStart,
    cpuEnd,
    endAt,
    loadAverageBefore,
    loadAverageAfter,
  };
}

/** Waits for the relay to empty the outbox; the CPU used meanwhile. */
export async function measureDrain(run: SpilloverRun, load: SpilloverLoad): Promise<SpilloverDrain> {
  const drained = await run.outbox.untilEmpty();
  const cpu = cpuUsed(load.cpuEnd, readCpu(run.pids, { postgres: true, machine: true }));
  return { at: drained.at, emptied: drained.emptied, cpu, loadAverageAfter: load1m() };
}

/** Waits for every accepted event's delivery, then checks the ledger and Temporal's count against them. */
export async function checkIntegrity(
  run: SpilloverRun,
  sourceId: string,
  load: AcceptedLoad,
): Promise<SpilloverIntegrity> {
  const { subscriber, ctx } = run;
  const ids = load.allAcceptedIds;
  const confirmed = () => ids.filter((id) => subscriber.delivered.has(id)).length;
  await waitForDeliveries(confirmed, ids.length, { log: ctx.log, label: 'spillover deliveries' });
  const endToEndSeconds = (Math.max(subscriber.lastDeliveredAt, load.endAt) - load.cpuStart.at) / 1000;
  const ledger = await run.sql<{ id: string }[]>`select id from events where source_id = ${sourceId}`;
  const ledgerIds = new Set(ledger.map((row) => row.id));
  let temporalEventWorkflows: number | null = null;
  try {
    // Visibility lags a little behind the last workflow task.
    await new Promise((r) => setTimeout(r, 2_000));
    temporalEventWorkflows = (
      await run.client.workflow.count(`WorkflowType = 'eventWorkflow' AND HookflowSource = '${sourceId}'`)
    ).count;
  } catch (error) {
    ctx.log(`spillover: Temporal visibility count failed (${(error as Error).message})`);
  }
  const delivered = confirmed();
  return {
    ledgerRows: ledgerIds.size,
    missingFromLedger: ids.filter((id) => !ledgerIds.has(id)).length,
    temporalEventWorkflows,
    delivered,
    lost: ids.length - delivered,
    processedTwice: ids.filter((id) => (subscriber.delivered.get(id) ?? 0) > 1).length,
    endToEndSeconds: Math.round(endToEndSeconds * 10) / 10,
  };
}
