import type { ChildProcess } from 'node:child_process';
import { count, eq } from 'drizzle-orm';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveries, events } from '../../src/db/schema.js';
import { workflowIds } from '../../src/domain/workflow-ids.js';
import { spawnApiProcess } from '../helpers/api-process.js';
import { createCourierSource, fastRetries, subscribe } from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, uniqueId, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { killProcess, spawnWorkerProcess } from '../helpers/worker-process.js';
import { loadSize } from '../helpers/load.js';

// Activities in flight on the killed worker are retried after their start-to-close timeout
// (DELIVERY_TIMEOUT_MS + 15 s), so a short delivery timeout keeps the recovery inside the test.
const env = { ...fastRetries, DELIVERY_TIMEOUT_MS: '1000' };
// A burst of 4 batches under `npm test` (80 events), 8 under `npm run test:load` (160).
const BATCHES = loadSize(4, 8);
const KEYS_PER_BATCH = 20;

let stack: TestStack;
let sinks: Sink[] = [];
let apis: { child: ChildProcess; url: string }[] = [];
let workers: ChildProcess[] = [];

beforeAll(async () => {
  // The in-process API only serves this test's management calls; ingress goes through the two API processes.
  stack = await startTestStack(env, { worker: false });
  // Slow-ish subscribers keep deliveries in flight when a worker dies.
  sinks = await Promise.all(
    [0, 1].map(() =>
      startSink(async () => {
        await new Promise((r) => setTimeout(r, 20));
        return { status: 200 };
      }),
    ),
  );
});
afterAll(async () => {
  await Promise.all([...workers, ...apis.map((a) => a.child)].map((child) => killProcess(child, 'SIGTERM')));
  await stack?.stop();
  await Promise.all(sinks.map((s) => s.close()));
});

interface Accepted {
  key: string;
  answers: { api: number; status: number; duplicate: boolean; eventId: string; workflowId: string }[];
  sentAfterKill: boolean;
}

/** Sends one envelope through every API at once: the same idempotency key reaches two replicas concurrently. */
async function sendThroughAll(
  sourceId: string,
  secret: string,
  key: string,
  sentAfterKill: boolean,
): Promise<Accepted> {
  const body = courierEnvelope({ idempotencyKey: key });
  const answers = await Promise.all(
    apis.map(async (api, index) => {
      const response = await postHmacWebhook(api.url, sourceId, secret, body);
      const json = (await response.json()) as { duplicate: boolean; eventId: string; workflowId: string };
      return { api: index, status: response.status, ...json };
    }),
  );
  return { key, answers, sentAfterKill };
}

const identitiesIn = (history: proto.temporal.api.history.v1.IHistory) =>
  (history.events ?? [])
    .flatMap((e) => [e.activityTaskStartedEventAttributes?.identity, e.workflowTaskStartedEventAttributes?.identity])
    .filter((identity): identity is string => !!identity);

describe('two API processes and two worker processes on one Temporal and one PostgreSQL', () => {
  it(
    'run one workflow per idempotency key and deliver every event to every subscriber, with a worker SIGKILLed mid-burst',
    { timeout: 150_000 },
    async () => {
      const source = await createCourierSource(stack);
      const subscriptions: { id: string }[] = [];
      for (const sink of sinks) subscriptions.push(await subscribe(stack, sink.url, source.id));
      [apis, workers] = await Promise.all([
        Promise.all([0, 1].map(() => spawnApiProcess(stack.config, stack.managementKey, env))),
        Promise.all([0, 1].map(() => spawnWorkerProcess(stack.config, env))),
      ]);
      const [doomed, survivor] = workers as [ChildProcess, ChildProcess];
      // Both workers poll the same task queue before any traffic, so Temporal spreads the work between them.
      await waitFor(
        async () => {
          const { pollers } = await stack.temporal.workflowService.describeTaskQueue({
            namespace: stack.config.TEMPORAL_NAMESPACE,
            taskQueue: { name: stack.config.TEMPORAL_TASK_QUEUE },
            taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
          });
          return new Set((pollers ?? []).map((p) => p.identity)).size >= 2;
        },
        { timeoutMs: 20_000, what: 'two activity pollers on the task queue' },
      );

      const accepted: Accepted[] = [];
      let killedAt = 0;
      const burst = Date.now();
      for (let batch = 0; batch < BATCHES; batch++) {
        if (batch === BATCHES / 2) {
          // Mid-burst: deliveries of the first half are flowing (some in flight on the doomed worker) when it dies.
          await waitFor(async () => sinks[0]!.received.length >= 20, {
            timeoutMs: 30_000,
            what: 'deliveries to be under way',
          });
          await killProcess(doomed, 'SIGKILL');
          killedAt = Date.now();
        }
        const keys = Array.from({ length: KEYS_PER_BATCH }, () => uniqueId('scale'));
        accepted.push(
          ...(await Promise.all(keys.map((key) => sendThroughAll(source.id, source.secret, key, killedAt > 0)))),
        );
      }
      const burstMs = Date.now() - burst;

      // Ingress: each key was started exactly once across both replicas; the other replica answered "duplicate" with the same ids.
      for (const { key, answers } of accepted) {
        expect(answers.map((a) => a.status).sort(), key).toEqual([200, 202]);
        expect(
          answers.filter((a) => !a.duplicate),
          key,
        ).toHaveLength(1);
        expect(new Set(answers.map((a) => a.eventId)).size, key).toBe(1);
        expect(answers[0]!.workflowId).toBe(workflowIds.event(source.id, key));
      }
      const eventIds = accepted.map((a) => a.answers[0]!.eventId);
      const perApi = [0, 1].map(
        (api) => accepted.filter((a) => a.answers.find((x) => !x.duplicate)!.api === api).length,
      );

      await waitFor(
        async () => sinks.every((s) => new Set(s.received.map((r) => r.headers['webhook-id'])).size >= eventIds.length),
        {
          timeoutMs: 100_000,
          intervalMs: 500,
          what: 'every event at every subscriber',
        },
      );
      const deliveredAt = Date.now();
      for (const sink of sinks) {
        const ids = new Set(sink.received.map((r) => r.headers['webhook-id']));
        expect(eventIds.filter((id) => !ids.has(id))).toEqual([]);
      }

      // Temporal: exactly one event workflow per key, each delivering to every subscriber as its lanes, once visibility settles.
      const query = (type: string) => `HookflowSource = "${source.id}" AND WorkflowType = "${type}"`;
      await waitFor(
        async () =>
          (await stack.temporal.workflow.count(`${query('eventWorkflow')} AND HookflowStatus = "delivered"`)).count ===
          eventIds.length,
        {
          timeoutMs: 20_000,
          intervalMs: 500,
          what: 'visibility to list every event workflow as delivered',
        },
      );
      const eventWorkflows: string[] = [];
      for await (const execution of stack.temporal.workflow.list({ query: query('eventWorkflow') }))
        eventWorkflows.push(execution.workflowId);
      expect(eventWorkflows.sort()).toEqual(accepted.map((a) => workflowIds.event(source.id, a.key)).sort());
      expect((await stack.temporal.workflow.count(query('eventWorkflow'))).count).toBe(eventIds.length);

      // PostgreSQL: one ledger row per key, one delivered row per event × subscriber, no dead letters.
      const [ledger] = await stack.db.select({ n: count() }).from(events).where(eq(events.sourceId, source.id));
      expect(ledger!.n).toBe(eventIds.length);
      await waitFor(
        async () => {
          const rows = await stack.db
            .select({ status: deliveries.status, n: count() })
            .from(deliveries)
            .innerJoin(events, eq(events.id, deliveries.eventId))
            .where(eq(events.sourceId, source.id))
            .groupBy(deliveries.status);
          return rows.length === 1 && rows[0]!.status === 'delivered' && rows[0]!.n === eventIds.length * sinks.length;
        },
        { timeoutMs: 20_000, what: 'every delivery row to be delivered' },
      );
      expect((await manage(stack, 'GET', `/v1/dead-letters?sourceId=${source.id}`)).body.data).toEqual([]);

      // At-least-once across the crash, exactly once otherwise: a redelivered message was first delivered
      // before the worker died (its activity never reported back); events sent after the kill arrive once each.
      const redelivered = sinks.flatMap((sink) => {
        const byId = new Map<string, typeof sink.received>();
        for (const request of sink.received) {
          const id = String(request.headers['webhook-id']);
          byId.set(id, [...(byId.get(id) ?? []), request]);
        }
        return [...byId.values()].filter((copies) => copies.length > 1);
      });
      for (const copies of redelivered) expect(copies[0]!.at).toBeLessThanOrEqual(killedAt + 1_000);
      const afterKill = new Set(accepted.filter((a) => a.sentAfterKill).map((a) => a.answers[0]!.eventId));
      for (const sink of sinks) {
        for (const id of afterKill) expect(sink.byMessage(id), id).toHaveLength(1);
      }

      // Both workers did work before the kill: the histories of first-half deliveries name both identities.
      const firstHalf = accepted.filter((a) => !a.sentAfterKill).map((a) => a.key);
      const identities = new Map<string, number>();
      for (const key of firstHalf) {
        const history = await stack.temporal.workflow.getHandle(workflowIds.event(source.id, key)).fetchHistory();
        for (const identity of new Set(identitiesIn(history)))
          identities.set(identity, (identities.get(identity) ?? 0) + 1);
      }
      const pidOf = (identity: string) => Number(identity.split('@')[0]);
      expect([...identities.keys()].map(pidOf)).toEqual(expect.arrayContaining([doomed.pid, survivor.pid]));

      const extra = redelivered.reduce((n, copies) => n + copies.length - 1, 0);
      const byWorker = [...identities]
        .map(([identity, n]) => `${pidOf(identity) === doomed.pid ? 'killed' : 'surviving'} worker ${n}`)
        .join(', ');
      console.log(
        `[scale-out] ${eventIds.length} keys × 2 APIs (${perApi.join('/')} started per API) in ${burstMs} ms; ` +
          `${eventIds.length} event workflows; ${eventIds.length} events × ${sinks.length} subscribers delivered ${Math.round((deliveredAt - burst) / 1000)} s after the burst began; ` +
          `${extra} redeliveries (${redelivered.length} messages) after the SIGKILL; first-half delivery histories touched by: ${byWorker}`,
      );
    },
  );
});
