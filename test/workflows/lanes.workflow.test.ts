// Workflow-logic tests of the delivery lanes (replay, discard, throttle, replay window) on a local
// Temporal dev server, with the activities replaced by small in-test fakes: no PostgreSQL, no HTTP.
// The real activities, and the same behaviour end to end, are covered by test/integration/lanes.test.ts.
import { resolve } from 'node:path';
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowUpdateFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookflowActivities } from '../../src/domain/activities.js';
import { deliveryFailureTypes } from '../../src/domain/failures.js';
import type { WorkflowPolicies } from '../../src/domain/workflow-policies.js';
import {
  discardDeadLetterUpdate,
  discardSignal,
  replayDeadLetterUpdate,
  replaySignal,
  resumeHeldSignal,
  stateQuery,
} from '../../src/domain/signals.js';
import type {
  DeadLetterInput,
  DeadLetterSubject,
  DeliveryAttemptInput,
  DeliveryAttemptResult,
  LaneEvent,
  LaneState,
  OperationalEvent,
  WorkflowState,
} from '../../src/domain/workflow-io.js';
import { searchAttributeCliArgs } from '../../src/temporal/register-search-attributes.js';
import { workflowsPath } from '../../src/worker-setup/workflow-bundle.js';
import { fanoutWorkflow } from '../../src/workflows/fanout-workflow.js';
import { waitFor } from '../helpers/wait.js';

const temporalCliPath = process.env.TEMPORAL_CLI_PATH ?? resolve('.data/bin/temporal');
/**
 * The dev server gives every new timer (workflow sleeps, activity retry backoff, the replay window)
 * a fire time of at least now + `history.timerProcessorMaxTimeShift` (1 s by default), so a 10 ms
 * retry or a 200 ms throttle waits ~1 s. Timer semantics are unchanged with a smaller shift; these
 * tests just stop paying a second per timer. Drop these two arguments to see the default behaviour.
 */
const fastTimers = ['--dynamic-config-value', 'history.timerProcessorMaxTimeShift="10ms"'];
const taskQueue = `lanes-workflow-test-${process.pid}`;

// ---------------------------------------------------------------------------------------------
// Fake activities. Each test runs its own event (its own eventId): the fakes look up that test's
// delivery script by eventId and record every call under it, so tests cannot see each other's calls.

/** What one `deliverWebhook` call does: return a result, or throw (an ApplicationFailure). */
type DeliverStep = (call: { n: number; attempt: number; isLocal: boolean }) => DeliveryAttemptResult;

interface DeliverCall {
  subscriptionId: string;
  deliveryId: string;
  maximumAttempts: number;
  attempt: number;
  isLocal: boolean;
}

interface Script {
  /** Per subscription: called with the lane's call count (1-based); the default delivers. */
  deliver: Record<string, DeliverStep>;
  deliverCalls: DeliverCall[];
  deadLetters: DeadLetterInput[];
  replays: (DeadLetterSubject & { reason?: string | undefined })[];
  discards: (DeadLetterSubject & { reason?: string | undefined })[];
  operationalEvents: OperationalEvent[];
  /** How long markReplaying takes (to send a signal while a replay is being carried out). */
  replayDelayMs?: number;
}

const scripts = new Map<string, Script>();

function scriptFor(eventId: string): Script {
  const script = scripts.get(eventId);
  if (!script) throw ApplicationFailure.nonRetryable(`no script for ${eventId}`);
  return script;
}

const delivered = (attempts: number): DeliveryAttemptResult => ({ kind: 'delivered', statusCode: 200, attempts });
const rejected410 = (): never => {
  throw ApplicationFailure.nonRetryable('HTTP 410: the endpoint rejected the message', deliveryFailureTypes.rejected, {
    attempts: 1,
  });
};
const failing503 = (): never => {
  throw ApplicationFailure.create({
    message: 'HTTP 503',
    type: deliveryFailureTypes.retryable,
    details: [{ attempts: 1, retryAfterMs: null }],
  });
};

const unused = (name: string) => async (): Promise<never> => {
  throw ApplicationFailure.nonRetryable(`${name} is not part of a lane workflow`);
};

const activities: HookflowActivities = {
  async deliverWebhook(input: DeliveryAttemptInput): Promise<DeliveryAttemptResult> {
    const script = scriptFor(input.eventId);
    const info = activityInfo();
    const call = {
      subscriptionId: input.subscriptionId,
      deliveryId: input.deliveryId,
      maximumAttempts: input.maximumAttempts,
      attempt: info.attempt,
      isLocal: info.isLocal,
    };
    script.deliverCalls.push(call);
    const n = script.deliverCalls.filter((c) => c.subscriptionId === input.subscriptionId).length;
    const step = script.deliver[input.subscriptionId] ?? (() => delivered(n));
    return step({ n, attempt: info.attempt, isLocal: info.isLocal });
  },
  async recordDeadLetter(input) {
    const script = scriptFor(input.eventId);
    script.deadLetters.push(input);
    const attempts = script.deliverCalls.filter((c) => c.deliveryId === input.deliveryId).length;
    return { deadLetterId: `dl_${input.deliveryId}_${script.deadLetters.length}`, attempts };
  },
  async markReplaying(input) {
    const script = scriptFor(input.eventId);
    script.replays.push(input);
    if (script.replayDelayMs) await new Promise((done) => setTimeout(done, script.replayDelayMs));
    return { replayCount: script.replays.filter((r) => r.deliveryId === input.deliveryId).length };
  },
  async markDiscarded(input) {
    scriptFor(input.eventId).discards.push(input);
  },
  async emitOperationalEventActivity(event) {
    scriptFor(String(event.data.eventId)).operationalEvents.push(event);
  },
  requestAdmission: unused('requestAdmission'),
  acceptanceFloorOf: unused('acceptanceFloorOf'),
  recordEvent: unused('recordEvent'),
  processEvent: unused('processEvent'),
  autoDisableFailingSubscriptions: unused('autoDisableFailingSubscriptions'),
  expirePreviousSecrets: unused('expirePreviousSecrets'),
  purgeExpiredData: unused('purgeExpiredData'),
  recoverPage: unused('recoverPage'),
};

// ---------------------------------------------------------------------------------------------

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
let eventCounter = 0;

function policies(overrides: Partial<WorkflowPolicies> & { maximumAttempts?: number } = {}): WorkflowPolicies {
  const { maximumAttempts = 2, ...rest } = overrides;
  return {
    processingRetry: { initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 20, maximumAttempts: 2 },
    deliveryRetry: { initialIntervalMs: 10, backoffCoefficient: 1, maximumIntervalMs: 20, maximumAttempts },
    deliveryTimeoutMs: 5_000,
    deadLetterReplayWindowMs: 60_000,
    firstAttemptLocal: true,
    ...rest,
  };
}

/** Starts a fan-out workflow with lanes `sub_a` and `sub_b`, each scripted by `deliver`. */
async function startLanes(deliver: Record<string, DeliverStep>, policy: WorkflowPolicies) {
  const eventId = `evt_${process.pid}_${++eventCounter}_${Date.now().toString(36)}`;
  const workflowId = `fanout:${eventId}:0`;
  const script: Script = {
    deliver,
    deliverCalls: [],
    deadLetters: [],
    replays: [],
    discards: [],
    operationalEvents: [],
  };
  scripts.set(eventId, script);
  const event: LaneEvent = { eventId, sourceId: 'src_test', eventType: 'order.created', traceId: '0'.repeat(32) };
  const lanes = ['sub_a', 'sub_b'].map((subscriptionId) => ({
    subscriptionId,
    deliveryId: `dlv_${subscriptionId}_${eventId}`,
    url: `https://${subscriptionId}.example.test/hook`,
    workflowId,
  }));
  const handle = await env.client.workflow.start(fanoutWorkflow, {
    workflowId,
    taskQueue,
    args: [{ event, lanes, policies: policy }],
    workflowExecutionTimeout: '60s',
  });
  const deliveryId = (subscriptionId: string) =>
    lanes.find((lane) => lane.subscriptionId === subscriptionId)!.deliveryId;
  /** Polls the `state` query until `check` holds. */
  const stateWhen = (check: (state: WorkflowState) => boolean, what: string) =>
    waitFor(
      async () => {
        const state = await handle.query(stateQuery);
        return check(state) ? state : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 20, what },
    );
  return { eventId, handle, script, deliveryId, stateWhen };
}

const lane = (state: WorkflowState, subscriptionId: string): LaneState => {
  const found = state.lanes.find((l) => l.subscriptionId === subscriptionId);
  if (!found) throw new Error(`no lane ${subscriptionId} in ${JSON.stringify(state.lanes)}`);
  return found;
};
const statuses = (state: WorkflowState) => Object.fromEntries(state.lanes.map((l) => [l.subscriptionId, l.status]));
const settledDeadA = (state: WorkflowState) =>
  lane(state, 'sub_a').status === 'dead_lettered' && lane(state, 'sub_b').settled;

beforeAll(async () => {
  // Keep the worker's chatter (and the WARN of every activity failure these tests provoke) out of
  // the test output; vitest runs each file in a process of its own, so this runtime is ours.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
  // The dev server starts while webpack bundles: the two are the bulk of this file's set-up time.
  let bundle: WorkflowBundleWithSourceMap;
  [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path: temporalCliPath },
        extraArgs: [...searchAttributeCliArgs(), ...fastTimers],
      },
    }),
    bundleWorkflowCode({ workflowsPath, logger: quiet }),
  ]);
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: bundle, activities });
  running = worker.run();
});

afterAll(async () => {
  if (worker) {
    worker.shutdown();
    await running;
  }
  await env?.teardown();
});

describe.each([{ firstAttemptLocal: true }, { firstAttemptLocal: false }])(
  'lanes (firstAttemptLocal: $firstAttemptLocal)',
  ({ firstAttemptLocal }) => {
    it('dead-letters a rejected lane while the other delivers, then a replay signal delivers it and the workflow completes', async () => {
      let fixed = false;
      const { handle, script, deliveryId, stateWhen } = await startLanes(
        { sub_a: ({ n }) => (fixed ? delivered(n) : rejected410()) },
        policies({ firstAttemptLocal }),
      );

      const stuck = await stateWhen(settledDeadA, 'sub_a dead-lettered and sub_b delivered');
      expect(statuses(stuck)).toEqual({ sub_a: 'dead_lettered', sub_b: 'delivered' });
      expect(stuck.status).toBe('dead_lettered');
      expect(lane(stuck, 'sub_a')).toMatchObject({
        deadLetterId: `dl_${deliveryId('sub_a')}_1`,
        lastError: expect.stringContaining('HTTP 410'),
        attempts: 1,
        settled: false,
      });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      // A non-retryable rejection is final: one attempt, no retry, one dead letter.
      expect(script.deliverCalls.filter((c) => c.subscriptionId === 'sub_a')).toEqual([
        expect.objectContaining({ attempt: 1, isLocal: firstAttemptLocal }),
      ]);
      expect(script.deadLetters).toEqual([
        expect.objectContaining({
          stage: 'delivery',
          deliveryId: deliveryId('sub_a'),
          subscriptionId: 'sub_a',
          reason: 'rejected_by_endpoint',
        }),
      ]);
      // The lane shows `dead_lettered` before its operational event is emitted: wait for that too.
      await waitFor(async () => script.operationalEvents.length > 0, {
        intervalMs: 20,
        what: 'the dead_lettered operational event',
      });
      expect(script.operationalEvents.map((e) => e.type)).toEqual(['hookflow.delivery.dead_lettered']);

      fixed = true;
      await handle.signal(replaySignal, { subscriptionId: 'sub_a', reason: 'endpoint fixed' });
      const result = await handle.result();

      expect(script.replays).toEqual([
        { deliveryId: deliveryId('sub_a'), eventId: script.deadLetters[0]!.eventId, reason: 'endpoint fixed' },
      ]);
      expect(statuses(result)).toEqual({ sub_a: 'delivered', sub_b: 'delivered' });
      expect(result.status).toBe('delivered');
      expect(lane(result, 'sub_a')).toMatchObject({ replayCount: 1, lastError: null, settled: true, attempts: 2 });
      expect(script.deliverCalls.filter((c) => c.subscriptionId === 'sub_a')).toHaveLength(2);
      expect(script.deliverCalls.filter((c) => c.subscriptionId === 'sub_b')).toHaveLength(1);
      expect(script.operationalEvents.map((e) => e.type)).toEqual([
        'hookflow.delivery.dead_lettered',
        'hookflow.delivery.recovered',
      ]);
      expect(script.discards).toEqual([]);
    });

    it('hold: a paused lane waits without spending its budget, shows heldBy, and resumeHeld lets it go on', async () => {
      const held = (attempt: number): DeliveryAttemptResult => ({
        kind: 'held',
        reason: 'paused',
        waitMs: 60_000,
        temporalAttempt: attempt,
      });
      const { handle, script, stateWhen } = await startLanes(
        {
          sub_a: ({ n, attempt }) => (n <= 2 ? held(attempt) : delivered(n)),
          // One failure spends an attempt; the hold after it spends none (a 10 ms recheck, no signal).
          sub_b: ({ n, attempt }) =>
            n === 1
              ? failing503()
              : n === 2
                ? { kind: 'held', reason: 'circuit_open', waitMs: 10, temporalAttempt: attempt }
                : delivered(n),
        },
        policies({ firstAttemptLocal, maximumAttempts: 2 }),
      );
      for (const round of [1, 2]) {
        const waiting = await stateWhen(
          (state) =>
            lane(state, 'sub_a').heldBy === 'paused' &&
            script.deliverCalls.filter((c) => c.subscriptionId === 'sub_a').length === round,
          `sub_a held (round ${round})`,
        );
        expect(lane(waiting, 'sub_a')).toMatchObject({ status: 'delivering', settled: false });
        await handle.signal(resumeHeldSignal, { subscriptionId: 'sub_a' });
      }
      const result = await handle.result();

      expect(statuses(result)).toEqual({ sub_a: 'delivered', sub_b: 'delivered' });
      expect(lane(result, 'sub_a').heldBy).toBeUndefined();
      expect(script.deadLetters).toEqual([]);
      const budgets = (subscriptionId: string) =>
        script.deliverCalls.filter((c) => c.subscriptionId === subscriptionId).map((c) => c.maximumAttempts);
      // Every call after a hold has the whole budget that was left before it.
      expect(budgets('sub_a')).toEqual([2, 2, 2]);
      expect(budgets('sub_b').at(-1)).toBe(1);
    });

    it('throttle: a rate-limit wait uses up no attempt (maximumAttempts 1: throttled, then delivered)', async () => {
      const { handle, script } = await startLanes(
        {
          sub_a: ({ n, attempt }) =>
            n === 1 ? { kind: 'throttled', waitMs: 200, temporalAttempt: attempt } : delivered(n),
        },
        policies({ firstAttemptLocal, maximumAttempts: 1 }),
      );
      const result = await handle.result();

      expect(statuses(result)).toEqual({ sub_a: 'delivered', sub_b: 'delivered' });
      expect(script.deadLetters).toEqual([]);
      const calls = script.deliverCalls.filter((c) => c.subscriptionId === 'sub_a');
      expect(
        calls.map((c) => ({ attempt: c.attempt, isLocal: c.isLocal, maximumAttempts: c.maximumAttempts })),
      ).toEqual([
        { attempt: 1, isLocal: firstAttemptLocal, maximumAttempts: 1 },
        // After the wait the budget is whole again: a fresh (regular) activity with its single attempt.
        { attempt: 1, isLocal: false, maximumAttempts: 1 },
      ]);
      expect(lane(result, 'sub_a').attempts).toBe(2);
    });

    it('throttle: after a throttle the lane still gets its full retry budget (maximumAttempts 2: throttled, 2 failures, dead letter)', async () => {
      const { handle, script, stateWhen } = await startLanes(
        {
          sub_a: ({ n, attempt }) =>
            n === 1 ? { kind: 'throttled', waitMs: 200, temporalAttempt: attempt } : failing503(),
        },
        policies({ firstAttemptLocal, maximumAttempts: 2 }),
      );
      const state = await stateWhen(settledDeadA, 'sub_a dead-lettered after its retries');

      expect(script.deliverCalls.filter((c) => c.subscriptionId === 'sub_a')).toHaveLength(3);
      expect(script.deadLetters).toEqual([
        expect.objectContaining({ subscriptionId: 'sub_a', reason: 'retries_exhausted', lastError: 'HTTP 503' }),
      ]);
      expect(lane(state, 'sub_a').attempts).toBe(3);
      await handle.signal(discardSignal, { subscriptionId: 'sub_a' });
      expect(statuses(await handle.result())).toEqual({ sub_a: 'discarded', sub_b: 'delivered' });
    });
  },
);

describe('operator signals and the replay window (firstAttemptLocal: true)', () => {
  it('a discard signal on a dead-lettered lane marks it discarded and the workflow completes', async () => {
    const { handle, script, deliveryId, stateWhen } = await startLanes({ sub_a: rejected410 }, policies());
    await stateWhen(settledDeadA, 'sub_a dead-lettered');

    await handle.signal(discardSignal, { subscriptionId: 'sub_a', reason: 'not needed' });
    const result = await handle.result();

    expect(script.discards).toEqual([
      { deliveryId: deliveryId('sub_a'), eventId: script.deadLetters[0]!.eventId, reason: 'not needed' },
    ]);
    expect(script.replays).toEqual([]);
    expect(statuses(result)).toEqual({ sub_a: 'discarded', sub_b: 'delivered' });
    expect(result.status).toBe('discarded');
    expect(lane(result, 'sub_a')).toMatchObject({ settled: true, deadLetterId: `dl_${deliveryId('sub_a')}_1` });
    expect(script.deliverCalls.filter((c) => c.subscriptionId === 'sub_a')).toHaveLength(1);
  });

  it('a signal naming another subscription (or another delivery) leaves the dead lane alone', async () => {
    const { handle, script, deliveryId, stateWhen } = await startLanes({ sub_a: rejected410 }, policies());
    await stateWhen(settledDeadA, 'sub_a dead-lettered');

    await handle.signal(replaySignal, { subscriptionId: 'sub_b' });
    await handle.signal(discardSignal, { subscriptionId: 'sub_b' });
    await handle.signal(replaySignal, { subscriptionId: 'sub_a', deliveryId: 'dlv_someone_else' });
    await handle.signal(replaySignal, { deliveryId: deliveryId('sub_b') });
    // A query is answered after the signals before it were handled: this state saw all four.
    const after = await handle.query(stateQuery);

    expect(statuses(after)).toEqual({ sub_a: 'dead_lettered', sub_b: 'delivered' });
    expect(lane(after, 'sub_a').settled).toBe(false);
    expect(script.replays).toEqual([]);
    expect(script.discards).toEqual([]);
    expect(script.deliverCalls).toHaveLength(2);
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // Tidy up (and prove the lane still listens): discarding it completes the workflow.
    await handle.signal(discardSignal, { subscriptionId: 'sub_a' });
    expect(statuses(await handle.result())).toEqual({ sub_a: 'discarded', sub_b: 'delivered' });
    expect(script.replays).toEqual([]);
  });

  it('a replay signalled while another replay is being carried out is not kept for the next dead letter', async () => {
    const { handle, script, stateWhen } = await startLanes({ sub_a: rejected410 }, policies());
    script.replayDelayMs = 500;
    await stateWhen(settledDeadA, 'sub_a dead-lettered');

    await handle.signal(replaySignal, { subscriptionId: 'sub_a' });
    await waitFor(async () => script.replays.length === 1, { intervalMs: 10, what: 'markReplaying running' });
    await handle.signal(replaySignal, { subscriptionId: 'sub_a' });
    await waitFor(async () => script.deadLetters.length === 2, {
      intervalMs: 20,
      what: 'the replay dead-lettered again',
    });
    await stateWhen((s) => lane(s, 'sub_a').status === 'dead_lettered', 'sub_a dead-lettered again');
    await handle.signal(discardSignal, { subscriptionId: 'sub_a' });
    const result = await handle.result();

    // One replay, one redelivery, two dead letters: the second signal did not replay the second dead letter.
    expect(script.replays).toHaveLength(1);
    expect(script.deadLetters).toHaveLength(2);
    expect(script.deliverCalls.filter((c) => c.subscriptionId === 'sub_a')).toHaveLength(2);
    expect(statuses(result)).toEqual({ sub_a: 'discarded', sub_b: 'delivered' });
  });

  it('when the replay window closes the lane settles still dead-lettered and the workflow completes', async () => {
    const { handle, script } = await startLanes({ sub_a: rejected410 }, policies({ deadLetterReplayWindowMs: 300 }));
    const result = await handle.result();

    expect(statuses(result)).toEqual({ sub_a: 'dead_lettered', sub_b: 'delivered' });
    expect(result.status).toBe('dead_lettered');
    expect(lane(result, 'sub_a')).toMatchObject({ settled: true, replayCount: 0 });
    expect(script.deadLetters).toHaveLength(1);
    expect(script.replays).toEqual([]);
    expect(script.discards).toEqual([]);
  });

  it('a lane whose window closed while another lane still runs comes back for a replay', async () => {
    let fixed = false;
    const { handle, script, stateWhen } = await startLanes(
      {
        sub_a: ({ n }) => (fixed ? delivered(n) : rejected410()),
        // sub_b waits out a long rate limit, so the workflow is still running after sub_a's window.
        sub_b: ({ n, attempt }) =>
          n === 1 ? { kind: 'throttled', waitMs: 2_000, temporalAttempt: attempt } : delivered(n),
      },
      policies({ deadLetterReplayWindowMs: 300 }),
    );
    await stateWhen(
      (s) => lane(s, 'sub_a').status === 'dead_lettered' && lane(s, 'sub_a').settled,
      'sub_a window closed',
    );
    expect(lane(await handle.query(stateQuery), 'sub_b').settled).toBe(false);

    fixed = true;
    await handle.signal(replaySignal, { subscriptionId: 'sub_a' });
    const result = await handle.result();

    expect(statuses(result)).toEqual({ sub_a: 'delivered', sub_b: 'delivered' });
    expect(lane(result, 'sub_a').replayCount).toBe(1);
    expect(script.replays).toHaveLength(1);
  });
});

describe('replayDeadLetter and discardDeadLetter Updates', () => {
  it('answers a replay with what it did once markReplaying has run, then the lane delivers', async () => {
    let fixed = false;
    const { handle, script, deliveryId, stateWhen } = await startLanes(
      { sub_a: ({ n }) => (fixed ? delivered(n) : rejected410()) },
      policies(),
    );
    await stateWhen(settledDeadA, 'sub_a dead-lettered');
    fixed = true;
    const outcome = await handle.executeUpdate(replayDeadLetterUpdate, {
      args: [{ subscriptionId: 'sub_a', reason: 'endpoint fixed' }],
    });
    expect(outcome).toEqual({
      applied: [{ stage: 'delivery', deliveryId: deliveryId('sub_a'), status: 'replaying', replayCount: 1 }],
      forwardedTo: [],
    });
    // The answer came after the write: the replay is on record.
    expect(script.replays).toHaveLength(1);
    expect(statuses(await handle.result())).toEqual({ sub_a: 'delivered', sub_b: 'delivered' });
  });

  it('refuses a discard aimed at a lane that is not dead-lettered, carries out the one aimed at the dead letter, then the workflow closes', async () => {
    const { handle, script, stateWhen } = await startLanes({ sub_a: () => rejected410() }, policies());
    await stateWhen(settledDeadA, 'sub_a dead-lettered');
    const refusal = (subscriptionId: string) =>
      handle.executeUpdate(discardDeadLetterUpdate, { args: [{ subscriptionId }] }).then(
        (answer) => `accepted: ${JSON.stringify(answer)}`,
        (error: unknown) => String((error as WorkflowUpdateFailedError).cause?.message ?? error),
      );
    expect(await refusal('sub_b')).toContain('is waiting for a decision for subscription sub_b');
    const discarded = await handle.executeUpdate(discardDeadLetterUpdate, { args: [{ subscriptionId: 'sub_a' }] });
    expect(discarded.applied).toEqual([expect.objectContaining({ status: 'discarded' })]);
    // Nothing was left to wait for: the workflow completed, so a late decision finds it closed (the API
    // then runs a redelivery workflow).
    expect(await refusal('sub_a')).toContain('WorkflowNotFoundError');
    expect(script.discards).toHaveLength(1);
    expect(statuses(await handle.result())).toEqual({ sub_a: 'discarded', sub_b: 'delivered' });
  });
});
