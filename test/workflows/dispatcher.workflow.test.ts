// Workflow-logic tests of the dispatcher (caps, FIFO order, a blocking dead letter, continue-as-new)
// on a local Temporal dev server with stand-in activities and stand-in lane workflows: no
// PostgreSQL, no HTTP. The same behaviour end to end is in test/integration/delivery-policy.test.ts.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AcceptanceFloorAnswer } from '../../src/domain/acceptance-order.js';
import { searchAttributes } from '../../src/domain/search-attributes.js';
import { admissionRequestSignal, dispatcherStateQuery, releaseSignal } from '../../src/domain/signals.js';
import type { DispatcherInput, DispatcherState, OperationalEvent } from '../../src/domain/workflow-io.js';
import { searchAttributeCliArgs } from '../../src/temporal/register-search-attributes.js';
import { dispatcherWorkflow, finishSignal, standInLane } from '../fixtures/workflows/dispatcher-lanes.js';
import { waitFor } from '../helpers/wait.js';

const temporalCliPath = process.env.TEMPORAL_CLI_PATH ?? resolve('.data/bin/temporal');
const workflowsPath = fileURLToPath(new URL('../fixtures/workflows/dispatcher-lanes.ts', import.meta.url));
const taskQueue = `dispatcher-workflow-test-${process.pid}`;
// Timers fire on time instead of after the dev server's default 1-s shift (see lanes.workflow.test.ts).
const fastTimers = ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"'];

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const reported: OperationalEvent[] = [];
// Every event of every queue is routed: the floor is after all of them (nothing unrouted holds a queue).
const everythingRouted: AcceptanceFloorAnswer = {
  unrouted: { receivedAt: '9999-12-31T00:00:00.000Z', eventId: 'evt_' },
  notYetQueued: [],
  notYetQueuedComplete: true,
};

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: temporalCliPath },
      extraArgs: [...searchAttributeCliArgs(), ...fastTimers],
    },
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath,
    activities: {
      acceptanceFloorOf: async () => everythingRouted,
      emitOperationalEventActivity: async (event: OperationalEvent) => void reported.push(event),
    },
  });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await running;
  }
  await env?.teardown();
});

let queues = 0;

/** A dispatcher of its own and `count` stand-in lanes asking it for a slot, accepted one second apart (lane 0 first). */
async function queueOf(count: number, settings: Partial<DispatcherInput> & { arrivalOrder?: number[] }) {
  const id = `q${++queues}-${process.pid}`;
  const dispatcherId = `dispatcher:${id}`;
  const input: DispatcherInput = {
    subscriptionId: `sub_${id}`,
    maxInFlight: 1,
    fifo: false,
    reorderWindowMs: 0,
    admissionsPerRun: 1_000,
    ...settings,
  };
  const base = Date.now();
  const lanes = Array.from({ length: count }, (_, i) => ({
    workflowId: `lane:${id}:${i}`,
    deliveryId: `dlv_${id}_${i}`,
    eventId: `evt_${id}_${i}`,
    receivedAt: new Date(base + i * 1_000).toISOString(),
  }));
  for (const lane of lanes)
    await env.client.workflow.start(standInLane, {
      taskQueue,
      workflowId: lane.workflowId,
      args: [{ dispatcherId, deliveryId: lane.deliveryId, eventId: lane.eventId }],
    });
  for (const i of settings.arrivalOrder ?? lanes.map((_, i) => i)) {
    const lane = lanes[i]!;
    await env.client.workflow.signalWithStart(dispatcherWorkflow, {
      taskQueue,
      workflowId: dispatcherId,
      args: [input],
      signal: admissionRequestSignal,
      signalArgs: [{ ...lane, maxInFlight: input.maxInFlight }],
    });
  }
  const dispatcher = env.client.workflow.getHandle(dispatcherId);
  const state = () => dispatcher.query(dispatcherStateQuery);
  /** Waits until the dispatcher holds exactly `workflowIds` (admitted) and returns its state. */
  const admittedAre = (workflowIds: string[]) =>
    waitFor(
      async () => {
        const now: DispatcherState = await state();
        const ids = now.admitted.map((holder) => holder.workflowId).sort();
        return JSON.stringify(ids) === JSON.stringify([...workflowIds].sort()) ? now : undefined;
      },
      { what: `the dispatcher to admit exactly ${workflowIds.join(', ')}` },
    );
  const finish = (i: number, how: 'deliver' | 'dead-letter' = 'deliver') =>
    env.client.workflow.getHandle(lanes[i]!.workflowId).signal(finishSignal, how);
  return { dispatcher, dispatcherId, lanes, state, admittedAre, finish, subscriptionId: input.subscriptionId };
}

describe('dispatcherWorkflow', () => {
  it('admits at most maxInFlight lanes at once, and the next waiting one as each gives its slot back', async () => {
    const q = await queueOf(5, { maxInFlight: 2 });
    const ids = q.lanes.map((lane) => lane.workflowId);
    const first = await q.admittedAre([ids[0]!, ids[1]!]);
    expect(first.waiting.map((w) => w.workflowId)).toEqual(ids.slice(2));
    await q.finish(0);
    await q.admittedAre([ids[1]!, ids[2]!]);
    for (const i of [1, 2, 3, 4]) await q.finish(i);
    await waitFor(async () => (await q.state()).admissions === 5 && (await q.state()).admitted.length === 0, {
      what: 'every lane admitted and released',
    });
  });

  it('admits a FIFO queue strictly in acceptance order, whatever order the requests arrived in', async () => {
    // The reorder window holds the head long enough for every request to be queued first.
    const q = await queueOf(4, { fifo: true, reorderWindowMs: 1_500, arrivalOrder: [3, 1, 0, 2] });
    for (const i of [0, 1, 2, 3]) {
      await q.admittedAre([q.lanes[i]!.workflowId]);
      await q.finish(i);
    }
    expect(await Promise.all(q.lanes.map((lane) => env.client.workflow.getHandle(lane.workflowId).result()))).toEqual([
      'delivered',
      'delivered',
      'delivered',
      'delivered',
    ]);
  });

  it('holds a FIFO queue behind a dead-lettered lane, shows it as blocked and reports it once, until the slot is given back', async () => {
    const q = await queueOf(3, { fifo: true });
    await q.admittedAre([q.lanes[0]!.workflowId]);
    await q.finish(0, 'dead-letter');
    const blocked = await waitFor(
      async () => {
        const now = await q.state();
        return now.admitted[0]?.blocked ? now : undefined;
      },
      { what: 'the dispatcher to hold the dead-lettered lane' },
    );
    expect(blocked.waiting.map((w) => w.workflowId)).toEqual([q.lanes[1]!.workflowId, q.lanes[2]!.workflowId]);
    await waitFor(
      async () =>
        (await q.dispatcher.describe()).typedSearchAttributes.get(searchAttributes.status) === 'blocked' &&
        reported.some((event) => event.data.subscriptionId === q.subscriptionId),
      { what: 'status blocked and the hookflow.subscription.blocked report' },
    );
    expect(reported.filter((event) => event.data.subscriptionId === q.subscriptionId)).toEqual([
      expect.objectContaining({
        type: 'hookflow.subscription.blocked',
        data: expect.objectContaining({ deliveryId: q.lanes[0]!.deliveryId, dispatcherId: q.dispatcherId }),
      }),
    ]);
    // What a replay's delivery or a discard does in the real lane: give the slot back.
    await q.dispatcher.signal(releaseSignal, { deliveryId: q.lanes[0]!.deliveryId });
    await q.admittedAre([q.lanes[1]!.workflowId]);
  });

  it('continues as new every admissionsPerRun admissions, carrying its waiting lanes along', async () => {
    const q = await queueOf(5, { admissionsPerRun: 2 });
    for (const i of [0, 1, 2, 3, 4]) {
      await q.admittedAre([q.lanes[i]!.workflowId]);
      await q.finish(i);
    }
    await waitFor(async () => (await q.state()).admitted.length === 0, { what: 'the last slot back' });
    const runs = [];
    for await (const run of env.client.workflow.list({ query: `WorkflowId = "${q.dispatcherId}"` })) runs.push(run);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const history = await q.dispatcher.fetchHistory();
    await Worker.runReplayHistory({ workflowsPath }, history, q.dispatcherId);
  });
});
