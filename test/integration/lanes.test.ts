import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stateQuery } from '../../src/domain/signals.js';
import { runCli } from '../helpers/cli.js';
import {
  createCourierSource,
  fastRetries,
  subscribe,
  waitForDeadLetter,
  waitForDeliveryStatus,
} from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { replayHistories } from '../helpers/history-replay.js';
import { sinkPool } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// Deliveries are lanes (activities) of the event workflow: these tests look at that shape through
// Temporal itself (state query, search attributes, histories) as well as through the API.
let stack: TestStack;
const sinks = sinkPool();

beforeAll(async () => {
  // The product's delivery timeout, not fastRetries' 3 s: the 1,000-subscription fan-out sends to one
  // subscriber in this process, and on a saturated machine an answer can take longer than 3 s — the
  // attempt would then time out and be sent again, which is right for a slow endpoint, not what this tests.
  stack = await startTestStack({ ...fastRetries, FANOUT_INLINE_MAX: '100', DELIVERY_TIMEOUT_MS: '15000' });
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const temporalCli = (...args: string[]) =>
  promisify(execFile)(inject('temporalCliPath'), [...args, '--address', stack.config.TEMPORAL_ADDRESS!]);

/** Describes a workflow's custom search attributes by name. */
async function searchAttributesOf(workflowId: string): Promise<Record<string, unknown>> {
  const described = await stack.temporal.workflow.getHandle(workflowId).describe();
  return Object.fromEntries(described.typedSearchAttributes.getAll().map((pair) => [pair.key.name, pair.value]));
}

describe('lanes of one event workflow', () => {
  it('dead-letters one lane without holding up the others, and shows it in the state query and search attributes', async () => {
    const source = await createCourierSource(stack);
    const healthy = await sinks.start();
    const rejecting = await sinks.start(() => ({ status: 410 }));
    const good = await subscribe(stack, healthy.url, source.id);
    const bad = await subscribe(stack, rejecting.url, source.id);
    const { eventId, workflowId } = await source.send();
    const deadLetter = await waitForDeadLetter(stack, bad.id, eventId);
    expect(deadLetter.workflowId).toBe(workflowId);
    await waitFor(async () => healthy.byMessage(eventId).length === 1, { what: 'the healthy lane to deliver' });

    const handle = stack.temporal.workflow.getHandle(workflowId);
    const state = await waitFor(
      async () => {
        const s = await handle.query(stateQuery);
        return s.lanes.every((lane) => lane.status !== 'delivering') ? s : undefined;
      },
      { what: 'both lanes to settle or dead-letter' },
    );
    expect(state.status).toBe('dead_lettered');
    expect(Object.fromEntries(state.lanes.map((lane) => [lane.subscriptionId, lane.status]))).toEqual({
      [good.id]: 'delivered',
      [bad.id]: 'dead_lettered',
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await waitFor(
      async () => {
        const attributes = await searchAttributesOf(workflowId);
        return JSON.stringify(attributes.HookflowDeadLettered) === JSON.stringify([bad.id]) ? attributes : undefined;
      },
      { what: 'HookflowDeadLettered to name the dead-lettered subscription' },
    ).then((attributes) => {
      expect(attributes).toMatchObject({
        HookflowStatus: 'dead_lettered',
        HookflowEventId: eventId,
        HookflowSource: source.id,
      });
      expect([...(attributes.HookflowSubscriptionIds as string[])].sort()).toEqual([good.id, bad.id].sort());
    });

    // Discarding the dead lane settles the event: the workflow completes, nothing is sent again.
    await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/discard`);
    const result = (await handle.result()) as { status: string; lanes: { status: string }[] };
    expect(result.lanes.map((lane) => lane.status).sort()).toEqual(['delivered', 'discarded']);
    expect(rejecting.byMessage(eventId)).toHaveLength(1);
    expect(healthy.byMessage(eventId)).toHaveLength(1);
  });

  it('finds every event stuck on a subscription with HookflowDeadLettered, and a batch signal over that query replays exactly those lanes', async () => {
    const source = await createCourierSource(stack);
    let fixed = false;
    const flaky = await sinks.start(() => ({ status: fixed ? 200 : 410 }));
    const otherBroken = await sinks.start(() => ({ status: 410 }));
    const stuck = await subscribe(stack, flaky.url, source.id);
    const bystander = await subscribe(stack, otherBroken.url, source.id);
    const sent = await Promise.all(Array.from({ length: 4 }, () => source.send()));
    for (const { eventId } of sent) {
      await waitForDeadLetter(stack, stuck.id, eventId);
      await waitForDeadLetter(stack, bystander.id, eventId);
    }
    const query = `HookflowDeadLettered = "${stuck.id}" AND ExecutionStatus = "Running"`;
    await waitFor(async () => (await stack.temporal.workflow.count(query)).count === sent.length, {
      what: 'visibility to list the stuck events',
    });

    fixed = true;
    await temporalCli(
      'workflow',
      'signal',
      '--query',
      query,
      '--name',
      'replay',
      '--input',
      JSON.stringify({ subscriptionId: stuck.id }),
      '--reason',
      'endpoint fixed',
      '--yes',
    );
    for (const { eventId } of sent) {
      await waitFor(async () => flaky.byMessage(eventId).length === 2, { what: `the replay of ${eventId}` });
    }
    await waitFor(async () => (await stack.temporal.workflow.count(query)).count === 0, {
      what: 'the stuck lanes to leave HookflowDeadLettered',
    });
    // The bystander's lanes were not replayed: still one attempt each, dead letters still open.
    for (const { eventId } of sent) expect(otherBroken.byMessage(eventId)).toHaveLength(1);
    const open = await manage(stack, 'GET', `/v1/dead-letters?subscriptionId=${bystander.id}&status=open&limit=200`);
    expect(open.body.data.filter((d: { eventId: string }) => sent.some((s) => s.eventId === d.eventId))).toHaveLength(
      sent.length,
    );
    const replayed = await manage(
      stack,
      'GET',
      `/v1/dead-letters?subscriptionId=${stuck.id}&status=replayed&limit=200`,
    );
    expect(
      replayed.body.data.filter((d: { eventId: string }) => sent.some((s) => s.eventId === d.eventId)),
    ).toHaveLength(sent.length);
  });
});

describe('what the history shows', () => {
  it('records a first attempt that succeeds as a local-activity marker, and a retried delivery as a regular activity with its summary', async () => {
    const source = await createCourierSource(stack);
    const quick = await sinks.start();
    const flaky = await sinks.start((_request, seenBefore) => ({ status: seenBefore === 0 ? 503 : 200 }));
    const good = await subscribe(stack, quick.url, source.id);
    const retried = await subscribe(stack, flaky.url, source.id);
    const { eventId, workflowId } = await source.send();
    await waitForDeliveryStatus(stack, eventId, 'delivered');
    await stack.temporal.workflow.getHandle(workflowId).result();
    const history = await stack.temporal.workflow.getHandle(workflowId).fetchHistory();
    const scheduled = history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverWebhook',
    );
    const markers = history.events!.filter(
      (e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity',
    );
    // recordEvent (which routed the passthrough event too) and both first attempts ran inside workflow
    // tasks, with no processEvent; only the retry is an activity task.
    expect(markers.length).toBe(3);
    expect(scheduled).toHaveLength(1);
    expect(Buffer.from(scheduled[0]!.userMetadata?.summary?.data ?? []).toString()).toContain(
      `→ ${retried.id} (127.0.0.1:`,
    );
    expect(quick.byMessage(eventId)).toHaveLength(1);
    expect(flaky.byMessage(eventId)).toHaveLength(2);
    void good;
  });

  // Live, each lane's local first attempt comes back in an activation of its own, in the order the
  // endpoints answered; on replay they come back together. What the lanes do next (a dead-letter
  // activity, a retry timer) must come out in the same order both ways (docs/architecture.md).
  it(
    'replays two lanes whose first attempts end differently to the same commands, whichever endpoint answers first',
    { timeout: 120_000 },
    async () => {
      const retryLater = { retryPolicy: { maximumAttempts: 2, initialInterval: '2s' } };
      const slow = (status: number) => async () => (await sleep(300), { status });
      // First event: one endpoint rejects at once (dead letter), the other fails retryably 300 ms later
      // (retry timer). Second event: the reverse.
      const [rejectsFast, failsLater, failsFast, rejectsLater] = await Promise.all([
        sinks.start(() => ({ status: 400 })),
        sinks.start(slow(503)),
        sinks.start(() => ({ status: 503 })),
        sinks.start(slow(400)),
      ]);
      const [first, second] = [await createCourierSource(stack), await createCourierSource(stack)];
      const rejectedFirst = await subscribe(stack, rejectsFast.url, first.id);
      await subscribe(stack, failsLater.url, first.id, retryLater);
      await subscribe(stack, failsFast.url, second.id, retryLater);
      const rejectedSecond = await subscribe(stack, rejectsLater.url, second.id);
      const sent = [await first.send(), await second.send()];
      await waitForDeadLetter(stack, rejectedFirst.id, sent[0]!.eventId);
      await waitForDeadLetter(stack, rejectedSecond.id, sent[1]!.eventId);
      await waitFor(async () => failsLater.received.length >= 2 && failsFast.received.length >= 2, {
        timeoutMs: 60_000,
        what: 'the retryable lanes to retry once',
      });
      const bundle = readFileSync(inject('workflowBundlePath'), 'utf8');
      const ids = sent.map((s) => `WorkflowId = "${s.workflowId}"`).join(' OR ');
      const report = await replayHistories(stack.temporal, ids, bundle);
      expect(report.replayed).toBe(2);
      expect(report.failures).toEqual([]);
    },
  );
});

describe('redelivery', () => {
  it('resends a delivered event to one subscription with the same webhook-id and delivery row, by API and by CLI', async () => {
    const source = await createCourierSource(stack);
    const first = await sinks.start();
    const second = await sinks.start();
    const one = await subscribe(stack, first.url, source.id);
    await subscribe(stack, second.url, source.id);
    const { eventId, workflowId } = await source.send();
    await waitForDeliveryStatus(stack, eventId, 'delivered');
    await stack.temporal.workflow.getHandle(workflowId).result();

    const answer = await manage(stack, 'POST', `/v1/events/${eventId}/redeliver`, {
      subscriptionIds: [one.id],
      reason: 'partner lost it',
    });
    expect(answer.status, answer.text).toBe(202);
    expect(answer.body.deliveries).toEqual([
      expect.objectContaining({
        subscriptionId: one.id,
        outcome: 'redelivered',
        workflowId: `delivery:${eventId}:${one.id}`,
      }),
    ]);
    await waitFor(async () => first.byMessage(eventId).length === 2, { what: 'the resend' });
    expect(second.byMessage(eventId)).toHaveLength(1);
    const redelivery = (await stack.temporal.workflow.getHandle(`delivery:${eventId}:${one.id}`).result()) as {
      lanes: { status: string; replayCount: number }[];
    };
    expect(redelivery.lanes).toEqual([expect.objectContaining({ status: 'delivered', replayCount: 1 })]);

    const cli = await runCli(stack, ['events', 'redeliver', eventId, '--json']);
    expect(cli.code, cli.stderr).toBe(0);
    expect(JSON.parse(cli.stdout).deliveries).toHaveLength(2);
    await waitFor(async () => first.byMessage(eventId).length === 3 && second.byMessage(eventId).length === 2, {
      what: 'the CLI resend to both',
    });
    const detail = await waitForDeliveryStatus(stack, eventId, 'delivered');
    expect(detail.deliveries).toHaveLength(2);
    for (const request of [...first.byMessage(eventId), ...second.byMessage(eventId)])
      expect(request.headers['webhook-id']).toBe(eventId);

    expect((await manage(stack, 'POST', '/v1/events/evt_nope/redeliver')).status).toBe(404);
    expect(
      (await manage(stack, 'POST', `/v1/events/${eventId}/redeliver`, { subscriptionIds: ['sub_other'] })).status,
    ).toBe(404);
    expect((await manage(stack, 'POST', `/v1/events/${eventId}/redeliver`, { subscriptionIds: 'sub_x' })).status).toBe(
      400,
    );
  });
});

describe('large fan-out', () => {
  it('delivers one event to 1,000 subscriptions through fanout: children, every history under 10,000 events', async () => {
    const source = await createCourierSource(stack);
    const target = await sinks.start();
    const ids: string[] = [];
    for (let batch = 0; batch < 1_000; batch += 25) {
      const created = await Promise.all(
        Array.from({ length: 25 }, (_, i) => subscribe(stack, `${target.url}/s/${batch + i}`, source.id)),
      );
      ids.push(...created.map((s) => s.id));
    }
    try {
      const { eventId, workflowId } = await source.send();
      await waitFor(async () => new Set(target.byMessage(eventId).map((r) => r.path)).size === 1_000, {
        timeoutMs: 240_000,
        intervalMs: 500,
        what: 'a delivery to each of the 1,000 subscriptions',
      });
      const result = (await stack.temporal.workflow.getHandle(workflowId).result()) as {
        status: string;
        fanoutWorkflowIds: string[];
      };
      expect(result.status).toBe('delivered');
      expect(result.fanoutWorkflowIds.sort()).toEqual(
        Array.from({ length: 10 }, (_, n) => `fanout:${eventId}:${n}`).sort(),
      );
      expect(target.byMessage(eventId)).toHaveLength(1_000);
      for (const id of [workflowId, ...result.fanoutWorkflowIds]) {
        const history = await stack.temporal.workflow.getHandle(id).fetchHistory();
        expect(history.events!.length, id).toBeLessThan(10_000);
      }
      const detail = await waitForDeliveryStatus(stack, eventId, 'delivered');
      expect(detail.deliveries).toHaveLength(1_000);
    } finally {
      // 1,000 enabled subscriptions would be loaded by every other event's routing.
      for (let i = 0; i < ids.length; i += 50)
        await Promise.all(ids.slice(i, i + 50).map((id) => manage(stack, 'DELETE', `/v1/subscriptions/${id}`)));
    }
  }, 300_000);
});
