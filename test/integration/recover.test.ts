// Recovering a subscription's time window (README "Recover a time window") on real Temporal,
// PostgreSQL and HTTP subscribers: one `recover:` workflow resends exactly the window's deliveries,
// once each, with their original webhook-id, in acceptance order; `failed` resends only dead letters;
// a delivery still being retried is left alone; a recovery can be cancelled.
// `npm run test:load` (HOOKFLOW_LOAD=1) recovers the middle hour of 2,000 events.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIds } from '../../src/domain/workflow-ids.js';
import {
  createCourierSource,
  fastRetries,
  subscribe,
  waitForDeadLetter,
  waitForDeliveredRows,
  waitForDeliveryStatus,
} from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { sinkPool } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const load = process.env.HOOKFLOW_LOAD === '1';
const EVENTS = load ? 2_000 : 30;
const HOUR = 3_600_000;

let stack: TestStack;
const sinks = sinkPool();

beforeAll(async () => {
  stack = await startTestStack({ ...fastRetries, RECOVER_RATE_PER_SECOND: load ? '200' : '10' });
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

interface Recovery {
  workflowId: string;
  status: string;
  progress: { scanned: number; redelivered: number; replayed: number; inProgress: number; done: boolean } | null;
}

async function recover(subscriptionId: string, body: Record<string, unknown>) {
  const started = await manage(stack, 'POST', `/v1/subscriptions/${subscriptionId}/recover`, body);
  expect(started.status, started.text).toBe(202);
  return started.body as { workflowId: string; recoveryId: string; deliveries: number };
}

async function finished(subscriptionId: string, recoveryId: string): Promise<Recovery> {
  return waitFor(
    async () => {
      const recovery = (await manage(stack, 'GET', `/v1/subscriptions/${subscriptionId}/recover/${recoveryId}`))
        .body as Recovery;
      return recovery.status === 'running' ? undefined : recovery;
    },
    { timeoutMs: load ? 300_000 : 60_000, what: `recovery ${recoveryId} to finish` },
  );
}

/** Sends `count` events, ten at a time; resolves to their ids in the order they were accepted. */
async function sendMany(source: Awaited<ReturnType<typeof createCourierSource>>, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10)
    ids.push(
      ...(await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => source.send()))).map(
        (a) => a.eventId,
      ),
    );
  return ids;
}

describe('recover a time window', () => {
  let source: Awaited<ReturnType<typeof createCourierSource>>;
  let subscriptionId: string;
  let base: Date;

  it(
    `resends exactly the middle hour of ${EVENTS} events spread over three hours, once each, with the original webhook-id, in acceptance order`,
    { timeout: load ? 900_000 : 180_000 },
    async () => {
      source = await createCourierSource(stack);
      const sink = await sinks.start();
      subscriptionId = (await subscribe(stack, sink.url, source.id)).id;
      await sendMany(source, EVENTS);
      await waitFor(async () => new Set(sink.received.map((r) => r.headers['webhook-id'])).size === EVENTS, {
        timeoutMs: load ? 600_000 : 120_000,
        what: () => `${EVENTS} deliveries (${sink.received.length} so far)`,
      });
      await waitForDeliveredRows(stack, subscriptionId, EVENTS);
      // A window of hours cannot be waited for: the ledger's acceptance times are spread over three
      // hours, keeping their order (received_at, then id), before anything is recovered.
      base = new Date(Date.now() - 4 * HOUR);
      await stack.db.execute(sql`
        with ordered as (
          select id, row_number() over (order by received_at, id) - 1 as i from events where source_id = ${source.id}
        )
        update events set received_at = ${base.toISOString()}::timestamptz + ordered.i * (${3 * HOUR} / ${EVENTS}::float8) * interval '1 millisecond'
        from ordered where events.id = ordered.id`);
      const since = new Date(base.getTime() + HOUR);
      const until = new Date(base.getTime() + 2 * HOUR);
      const rows = await stack.db.execute<{ id: string }>(sql`
        select id from events where source_id = ${source.id} and received_at >= ${since.toISOString()}::timestamptz
          and received_at < ${until.toISOString()}::timestamptz order by received_at, id`);
      const middle = rows.map((r) => r.id);
      expect(middle.length).toBeGreaterThan(EVENTS / 4);
      expect(middle.length).toBeLessThan(EVENTS / 2.5);
      const before = sink.received.length;

      const started = await recover(subscriptionId, {
        since: since.toISOString(),
        until: until.toISOString(),
        status: 'all',
      });
      expect(started.workflowId).toBe(workflowIds.recover(subscriptionId, started.recoveryId));
      expect(started.deliveries).toBe(middle.length);
      const recovery = await finished(subscriptionId, started.recoveryId);
      expect(recovery).toMatchObject({
        status: 'completed',
        progress: { scanned: middle.length, redelivered: middle.length, replayed: 0, inProgress: 0, done: true },
      });
      await waitFor(async () => sink.received.length >= before + middle.length, {
        timeoutMs: 120_000,
        what: () => `${middle.length} resends (${sink.received.length - before} so far)`,
      });

      // Exactly the window, once each, under the original webhook-id (the event id).
      const inWindow = new Set(middle);
      for (const request of sink.received.slice(before)) {
        expect(inWindow.has(String(request.headers['webhook-id']))).toBe(true);
        expect(JSON.parse(request.body).id).toBe(request.headers['webhook-id']);
      }
      for (const id of middle) expect(sink.byMessage(id)).toHaveLength(2);
      expect(sink.received.length).toBe(EVENTS + middle.length);
      // In acceptance order: each redelivery workflow started no earlier than the one before it.
      const starts = await Promise.all(
        middle.map(async (id) =>
          (
            await stack.temporal.workflow.getHandle(workflowIds.delivery(id, subscriptionId)).describe()
          ).startTime.getTime(),
        ),
      );
      for (let i = 1; i < starts.length; i += 1) expect(starts[i]).toBeGreaterThanOrEqual(starts[i - 1]!);
      // Visible in Temporal: the recovery's status attribute says it is done.
      await waitFor(
        async () =>
          (await stack.temporal.workflow.count(`WorkflowId = "${started.workflowId}" AND HookflowStatus = "delivered"`))
            .count === 1,
        { timeoutMs: 30_000, what: 'the recovery listed with HookflowStatus "delivered"' },
      );
    },
  );

  it('stops when cancelled, keeping what it resent', { timeout: 120_000 }, async () => {
    // The whole three hours at 10 resends a second, a page a second: the cancel arrives long before the end.
    const started = await recover(subscriptionId, {
      since: base.toISOString(),
      until: new Date(base.getTime() + 3 * HOUR).toISOString(),
      status: 'all',
    });
    const cancelled = await manage(
      stack,
      'POST',
      `/v1/subscriptions/${subscriptionId}/recover/${started.recoveryId}/cancel`,
    );
    expect(cancelled.status).toBe(200);
    const recovery = await finished(subscriptionId, started.recoveryId);
    expect(recovery.status).toBe('cancelled');
    expect(recovery.progress?.scanned ?? 0).toBeLessThan(EVENTS);
    const missing = await manage(
      stack,
      'GET',
      `/v1/subscriptions/${subscriptionId}/recover/01jd3k5v7w8x9y0z1a2b3c4d5e`,
    );
    expect(missing.status).toBe(404);
  });
});

describe('recover what failed', () => {
  it('resends only the dead-lettered deliveries with status failed, and never doubles one still being retried', async () => {
    const source = await createCourierSource(stack);
    let fixed = false;
    const sink = await sinks.start((request) => {
      const status = JSON.parse(request.body).data.payload.status as string;
      if (status === 'stuck') return { status: 503 };
      if (status === 'lost' && !fixed) return { status: 410 };
      return { status: 200 };
    });
    // A retry an hour away keeps the stuck delivery `retrying` for the whole test.
    const { id } = await subscribe(stack, sink.url, source.id, {
      retryPolicy: { initialInterval: '1h', maximumInterval: '1h', maximumAttempts: 3 },
    });
    const ok = await Promise.all([source.send(), source.send()]);
    const lost = await Promise.all(
      ['a', 'b'].map((k) => source.send({ payload: { shipmentId: `lost-${k}`, status: 'lost' } })),
    );
    const stuck = await source.send({ payload: { shipmentId: 'stuck', status: 'stuck' } });
    for (const { eventId } of ok) await waitForDeliveryStatus(stack, eventId, 'delivered');
    for (const { eventId } of lost) await waitForDeadLetter(stack, id, eventId);
    await waitForDeliveryStatus(stack, stuck.eventId, 'retrying');
    fixed = true;
    const since = new Date(Date.now() - 10 * 60_000).toISOString();

    const failed = await recover(id, { since, status: 'failed' });
    expect(failed.deliveries).toBe(2);
    expect((await finished(id, failed.recoveryId)).progress).toMatchObject({ scanned: 2, replayed: 2, redelivered: 0 });
    for (const { eventId } of lost) await waitForDeliveryStatus(stack, eventId, 'delivered');
    for (const { eventId } of ok) expect(sink.byMessage(eventId)).toHaveLength(1);

    const all = await recover(id, { since });
    const everything = await recover(id, { since, status: 'all' });
    expect((await finished(id, all.recoveryId)).progress).toMatchObject({ scanned: 0 });
    expect((await finished(id, everything.recoveryId)).progress).toMatchObject({
      scanned: 5,
      redelivered: 4,
      inProgress: 1,
    });
    await waitFor(async () => ok.every(({ eventId }) => sink.byMessage(eventId).length === 2), {
      timeoutMs: 60_000,
      what: 'the delivered events resent',
    });
    expect(sink.byMessage(stuck.eventId)).toHaveLength(1);
  });

  it('refuses a window that ends before it starts (400) and an unknown subscription (404)', async () => {
    const since = new Date().toISOString();
    const until = new Date(Date.now() - 60_000).toISOString();
    const backwards = await manage(stack, 'POST', '/v1/subscriptions/sub_nope/recover', { since, until });
    expect(backwards.status).toBe(404);
    const source = await createCourierSource(stack);
    const { id } = await subscribe(stack, 'http://127.0.0.1:9/x', source.id);
    const refused = await manage(stack, 'POST', `/v1/subscriptions/${id}/recover`, { since, until });
    expect(refused.status).toBe(400);
    expect(refused.body.errors[0].path).toBe('/since');
  });
});
