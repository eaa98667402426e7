import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { cpuUsed, percentOfOneCore, readCpu } from '../runner/cpu.js';
import { orderPaidBody } from '../runner/signed-requests.js';
import { startSubscriber } from '../runner/subscriber.js';
import { waitForDeliveries } from '../runner/wait-deliveries.js';
import { temporalCostPerDelivery, type TemporalCost } from './history.js';
import type { BaselineEventInput, childEventWorkflow } from './workflows.js';

export type BaselineShape = 'flat' | 'child' | 'localFirst';

const workflowType: Record<BaselineShape, string> = {
  flat: 'flatEventWorkflow',
  child: 'childEventWorkflow',
  localFirst: 'localFirstEventWorkflow',
};

export interface BaselineRun {
  client: Client;
  taskQueue: string;
  shape: BaselineShape;
  events: number;
  concurrency: number;
  temporalPid?: number | undefined;
  workerPid?: number | undefined;
  /** Sample histories for `historyEventsPerDelivery` (off for warm-ups). */
  history?: boolean;
  /** Stall timeout of the wait for deliveries (default 90 s, as in the e2e phase). */
  stallMs?: number;
  log?: (line: string) => void;
}

export interface BaselineResult {
  shape: BaselineShape;
  events: number;
  expected: number;
  delivered: number;
  lost: number;
  firstAttempt503s: number;
  seconds: number;
  deliveriesPerSec: number;
  historyEventsPerDelivery: number;
  billableActionsPerDelivery: number;
  /** Medians over the sampled runs, ms: the worker's task queue, inside workflow tasks, start to close. */
  runMedianMs: TemporalCost['medianMs'];
  cpuPercentOfOneCore: {
    temporalServerPct: number;
    workerPct: number;
    /** PostgreSQL's processes: Temporal's persistence on the cluster topology, idle on the dev server. */
    postgresPct: number;
    benchAndSubscribersPct: number;
    /** The whole machine (every process, ours or not), for how close the cores were to full. */
    machinePct: number;
  };
}

/**
 * One bare delivery shape: starts `events` workflows (concurrency `concurrency`) fanning out to two
 * fresh sinks (one failing ~5% of first tries) and waits until every pair is answered 2xx.
 */
export async function runDeliveryBaseline(run: BaselineRun): Promise<BaselineResult> {
  const [steady, flaky] = await Promise.all([startSubscriber(false), startSubscriber(true)]);
  try {
    const tag = `${run.shape}-${Date.now().toString(36)}`;
    const events = Array.from({ length: run.events }, (_, i) => ({
      eventId: `evt_${randomBytes(12).toString('hex')}`,
      workflowId: `baseline-${tag}-${i}`,
      i,
    }));
    const expected = events.length * 2;
    const confirmed = () =>
      events.reduce(
        (n, e) => n + (steady.delivered.has(e.eventId) ? 1 : 0) + (flaky.delivered.has(e.eventId) ? 1 : 0),
        0,
      );
    const pids = { temporal: run.temporalPid, worker: run.workerPid };
    const before = readCpu(pids, { postgres: true, machine: true });
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: run.concurrency }, async () => {
        while (next < events.length) {
          const event = events[next++]!;
          const input: BaselineEventInput = {
            eventId: event.eventId,
            urls: [steady.url, flaky.url],
            body: orderPaidBody(event.i), // the e2e phase's events
          };
          await run.client.workflow.start<typeof childEventWorkflow>(workflowType[run.shape], {
            taskQueue: run.taskQueue,
            workflowId: event.workflowId,
            args: [input],
          });
        }
      }),
    );
    const delivered = await waitForDeliveries(confirmed, expected, {
      log: run.log,
      label: `baseline ${run.shape}`,
      ...(run.stallMs ? { stallMs: run.stallMs } : {}),
    });
    const window = (performance.now() - t0) / 1000;
    const used = cpuUsed(before, readCpu(pids, { postgres: true, machine: true }));
    const share = (seconds: number) => percentOfOneCore(seconds, window);
    const cpuPercentOfOneCore = {
      temporalServerPct: share(used.processes.temporal),
      workerPct: share(used.processes.worker),
      postgresPct: share(used.postgresNet),
      benchAndSubscribersPct: share(used.bench),
      machinePct: share(used.machineBusy),
    };
    const seconds = (Math.max(steady.lastDeliveredAt, flaky.lastDeliveredAt, t0 + 1) - t0) / 1000;
    // Happy path only: events whose first attempts all succeeded (the steady sink never fails).
    const happy = events.filter((e) => !flaky.failedIds.has(e.eventId)).map((e) => e.workflowId);
    const cost: TemporalCost =
      run.history === false
        ? { historyEvents: 0, billableActions: 0 }
        : await temporalCostPerDelivery(run.client, happy, 2);
    return {
      shape: run.shape,
      events: events.length,
      expected,
      delivered,
      lost: expected - delivered,
      firstAttempt503s: flaky.failed,
      seconds: Math.round(seconds * 10) / 10,
      deliveriesPerSec: Math.round(delivered / seconds),
      historyEventsPerDelivery: Math.round(cost.historyEvents * 10) / 10,
      billableActionsPerDelivery: Math.round(cost.billableActions * 10) / 10,
      runMedianMs: cost.medianMs,
      cpuPercentOfOneCore,
    };
  } finally {
    steady.close();
    flaky.close();
  }
}
