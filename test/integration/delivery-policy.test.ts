// Per-subscription delivery policy (retry schedules, maxInFlight, FIFO per key, onDeadLetter)
// against the real stack: Temporal, PostgreSQL, the API and worker, and HTTP sinks that record order
// and concurrency.
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryAttempts, deliveries, events } from '../../src/db/schema.js';
import { searchAttributes } from '../../src/domain/search-attributes.js';
import { dispatcherStateQuery } from '../../src/domain/signals.js';
import { workflowIds } from '../../src/domain/workflow-ids.js';
import { createCourierSource, fastRetries, subscribe, waitForDeadLetter } from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { sinkPool, type ReceivedRequest } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { loadSize } from '../helpers/load.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
const sinks = sinkPool();
// FIFO queues of 30 events in `npm test` (more than DISPATCHER_ADMISSIONS_PER_RUN, so a queue crosses a
// continue-as-new), 200 in `npm run test:load`.
const FIFO_EVENTS = loadSize(30, 200);
// The event that fails in the onDeadLetter tests: a quarter into the queue (seq 49 of 200, 6 of 30).
const FAILING_SEQ = Math.floor(FIFO_EVENTS / 4) - 1;

beforeAll(async () => {
  stack = await startTestStack({
    ...fastRetries,
    ORDERING_REORDER_WINDOW: '500ms',
    DISPATCHER_ADMISSIONS_PER_RUN: '25',
  });
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

/** The longest a request waits for partners when a sink holds requests until several are open. */
const HOLD_CEILING_MS = 5_000;

/** A sink that answers after `delayMs`, recording the most requests it saw at once. */
async function orderedSink(
  options: {
    delayMs?: number;
    /**
     * Until this many requests have been open at once, hold each one (at most HOLD_CEILING_MS):
     * whether that concurrency is reached then depends on what the product allows, not on how fast
     * this machine dispatches.
     */
    holdUntilInFlight?: number;
    fail?: (body: { seq: number; key: string }) => boolean;
  } = {},
) {
  let inFlight = 0;
  const held: (() => void)[] = [];
  const seen = { maxConcurrent: 0, overlaps: 0 };
  const sink = await sinks.start(async (request, seenBefore) => {
    inFlight++;
    seen.maxConcurrent = Math.max(seen.maxConcurrent, inFlight);
    if (inFlight > 1) seen.overlaps++;
    if (seen.maxConcurrent >= (options.holdUntilInFlight ?? 0)) for (const release of held.splice(0)) release();
    else
      await new Promise<void>((done) => {
        const timer = setTimeout(done, HOLD_CEILING_MS);
        held.push(() => {
          clearTimeout(timer);
          done();
        });
      });
    await new Promise((done) => setTimeout(done, options.delayMs ?? 20));
    inFlight--;
    const data = bodyOf(request);
    return options.fail?.(data) && seenBefore === 0 ? { status: 503 } : { status: 200 };
  });
  return { sink, seen };
}

const bodyOf = (request: ReceivedRequest) =>
  (JSON.parse(request.body) as { data: { payload: { seq: number; key: string } } }).data.payload;

/** Sends `count` events (payload `{ seq, key }`) through the given API URLs, `concurrency` at a time. */
async function sendEvents(
  source: { id: string; secret: string },
  count: number,
  urls: string[],
  keys = ['k'],
  concurrency = 20,
) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const seq = next++;
      const key = keys[seq % keys.length]!;
      const response = await postHmacWebhook(
        urls[seq % urls.length]!,
        source.id,
        source.secret,
        courierEnvelope({ payload: { seq, key, orderId: key } }),
      );
      expect(response.status).toBe(202);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** The source's `count` events in acceptance order (received_at, then id), once the ledger holds them all. */
async function acceptanceOrder(sourceId: string, count: number): Promise<{ seq: number; key: string; id: string }[]> {
  const rows = await waitFor(
    async () => {
      const found = await stack.db
        .select({ id: events.id, payload: events.payload })
        .from(events)
        .where(eq(events.sourceId, sourceId))
        .orderBy(asc(events.receivedAt), asc(events.id));
      return found.length >= count ? found : undefined;
    },
    { timeoutMs: 60_000, what: `${count} events in the ledger` },
  );
  return rows.map((row) => ({ ...(row.payload as { payload: { seq: number; key: string } }).payload, id: row.id }));
}

/** First arrival of each message at the sink, in arrival order. */
const firstArrivals = (received: ReceivedRequest[]) => {
  const seen = new Set<string>();
  return received.filter(
    (r) => !seen.has(String(r.headers['webhook-id'])) && seen.add(String(r.headers['webhook-id'])),
  );
};

describe('retry policy per subscription', () => {
  it('follows a fixed schedule [1s, 2s, 3s] (4 attempts, then a dead letter) while another subscription of the same event runs its own exponential gaps', async () => {
    const source = await createCourierSource(stack);
    const failing = await sinks.start(() => ({ status: 503 }));
    const scheduled = await subscribe(stack, failing.url, source.id, { retryPolicy: { schedule: ['1s', '2s', '3s'] } });
    const exponential = await subscribe(stack, `${failing.url}/exp`, source.id, {
      retryPolicy: { initialInterval: '1500ms', backoffCoefficient: 2, maximumAttempts: 3 },
    });
    const { eventId } = await source.send();

    await waitForDeadLetter(stack, scheduled.id, eventId, 'open', 45_000);
    await waitForDeadLetter(stack, exponential.id, eventId, 'open', 45_000);
    const gapsOf = async (subscriptionId: string) => {
      const rows = await stack.db
        .select({ startedAt: deliveryAttempts.startedAt })
        .from(deliveryAttempts)
        .innerJoin(deliveries, eq(deliveries.id, deliveryAttempts.deliveryId))
        .where(eq(deliveries.subscriptionId, subscriptionId))
        .orderBy(asc(deliveryAttempts.attempt));
      return rows.slice(1).map((row, i) => (row.startedAt.getTime() - rows[i]!.startedAt.getTime()) / 1000);
    };
    const scheduleGaps = await gapsOf(scheduled.id);
    const exponentialGaps = await gapsOf(exponential.id);
    console.log(
      `[delivery-policy] schedule gaps ${scheduleGaps.join(', ')} s; exponential gaps ${exponentialGaps.join(', ')} s`,
    );
    // Lower bounds are the policy; the upper slack covers a loaded 2-core machine.
    expect(scheduleGaps).toHaveLength(3);
    [1, 2, 3].forEach((expected, i) => {
      expect(scheduleGaps[i]!).toBeGreaterThanOrEqual(expected - 0.05);
      expect(scheduleGaps[i]!).toBeLessThan(expected + 2.5);
    });
    expect(exponentialGaps).toHaveLength(2);
    [1.5, 3].forEach((expected, i) => {
      expect(exponentialGaps[i]!).toBeGreaterThanOrEqual(expected - 0.05);
      expect(exponentialGaps[i]!).toBeLessThan(expected + 2.5);
    });
  });

  it('refuses an empty schedule, an over-30-day delay and a jitter outside 0–50 with 400s naming the field', async () => {
    for (const [retryPolicy, path] of [
      [{ schedule: [] }, '/retryPolicy/schedule'],
      [{ schedule: ['31d'] }, '/retryPolicy/schedule/0'],
      [{ schedule: ['-5s'] }, '/retryPolicy/schedule/0'],
      [{ schedule: ['5s'], jitter: 80 }, '/retryPolicy/jitter'],
      [{ schedule: ['5s'], maximumAttempts: 3 }, '/retryPolicy/maximumAttempts'],
    ] as const) {
      const answer = await manage(stack, 'POST', '/v1/subscriptions', { url: 'http://127.0.0.1:9/x', retryPolicy });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
  });
});

describe('FIFO ordering', () => {
  it(
    `delivers ${FIFO_EVENTS} events sent concurrently through two API processes strictly in acceptance order, one at a time`,
    { timeout: 240_000 },
    async () => {
      const { spawnApiProcess } = await import('../helpers/api-process.js');
      const second = await spawnApiProcess(stack.config, stack.managementKey, fastRetries);
      try {
        const source = await createCourierSource(stack);
        const { sink, seen } = await orderedSink();
        await subscribe(stack, sink.url, source.id, { ordering: 'fifo' });
        await sendEvents(source, FIFO_EVENTS, [stack.url, second.url]);

        await waitFor(async () => firstArrivals(sink.received).length >= FIFO_EVENTS, {
          timeoutMs: 120_000,
          what: `${FIFO_EVENTS} FIFO deliveries`,
        });
        const accepted = (await acceptanceOrder(source.id, FIFO_EVENTS)).map((e) => e.seq);
        const arrived = firstArrivals(sink.received).map((r) => bodyOf(r).seq);
        expect(arrived).toEqual(accepted);
        expect(seen.maxConcurrent).toBe(1);
        expect(sink.received).toHaveLength(FIFO_EVENTS);
      } finally {
        second.child.kill('SIGTERM');
      }
    },
  );

  it('holds later events while an earlier one is still being routed, however long its processing takes', async () => {
    // The first event's processor fetches from a resolver that answers after 2 s, four reorder windows
    // (and within the 3 s fetch timeout):
    // the four events accepted after it are routed long before it and must still wait for it.
    const resolver = await sinks.start(async (request) => {
      const seq = Number(request.path.split('/').pop());
      if (seq === 0) await new Promise((done) => setTimeout(done, 2_000));
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ payload: { seq, key: 'k' } }),
      };
    });
    const source = await createCourierSource(stack, {
      processor: { name: 'fetch', url: `${resolver.url}/docs/{/payload/seq}` },
    });
    const { sink, seen } = await orderedSink();
    await subscribe(stack, sink.url, source.id, { ordering: 'fifo' });
    await sendEvents(source, 1, [stack.url]);
    let next = 1;
    while (next < 5) {
      const response = await postHmacWebhook(
        stack.url,
        source.id,
        source.secret,
        courierEnvelope({ payload: { seq: next++, key: 'k' } }),
      );
      expect(response.status).toBe(202);
    }
    await waitFor(async () => firstArrivals(sink.received).length >= 5, { timeoutMs: 60_000, what: '5 deliveries' });
    expect(firstArrivals(sink.received).map((r) => bodyOf(r).seq)).toEqual([0, 1, 2, 3, 4]);
    expect(seen.maxConcurrent).toBe(1);
  });

  it(
    'keeps each ordering key in order while different keys overlap, and a dead letter holds only its own key',
    { timeout: 240_000 },
    async () => {
      const source = await createCourierSource(stack);
      // Key k0's third event fails once; with one attempt it dead-letters and blocks k0 only.
      const { sink, seen } = await orderedSink({
        delayMs: 60,
        holdUntilInFlight: 2,
        fail: (data) => data.key === 'k0' && data.seq === 8,
      });
      const subscription = await subscribe(stack, sink.url, source.id, {
        ordering: 'fifo',
        orderingKey: { pointer: '/payload/orderId' },
        retryPolicy: { maximumAttempts: 1 },
      });
      await sendEvents(source, 40, [stack.url], ['k0', 'k1', 'k2', 'k3'], 8);
      const accepted = await acceptanceOrder(source.id, 40);
      const perKey = (key: string, list: { key: string; seq: number }[]) =>
        list.filter((e) => e.key === key).map((e) => e.seq);

      // k1–k3 finish; k0 stops at its failed event.
      await waitFor(async () => firstArrivals(sink.received).length >= 30 + perKey('k0', accepted).indexOf(8) + 1, {
        timeoutMs: 60_000,
        what: 'every key but k0 delivered',
      });
      const deadEvent = accepted.find((e) => e.seq === 8)!;
      const deadLetter = await waitForDeadLetter(stack, subscription.id, deadEvent.id);
      const arrivedBefore = firstArrivals(sink.received).map((r) => bodyOf(r));
      for (const key of ['k1', 'k2', 'k3']) expect(perKey(key, arrivedBefore)).toEqual(perKey(key, accepted));
      const k0 = perKey('k0', accepted);
      expect(perKey('k0', arrivedBefore)).toEqual(k0.slice(0, k0.indexOf(8) + 1));
      expect(seen.maxConcurrent).toBeGreaterThan(1);

      const discarded = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/discard`);
      expect(discarded.status, discarded.text).toBe(200);
      await waitFor(async () => firstArrivals(sink.received).length >= 40, { timeoutMs: 60_000, what: 'k0 to go on' });
      expect(
        perKey(
          'k0',
          firstArrivals(sink.received).map((r) => bodyOf(r)),
        ),
      ).toEqual(k0);
    },
  );

  for (const onDeadLetter of ['block', 'skip'] as const) {
    it(
      `onDeadLetter: ${onDeadLetter} — a 503 on event ${FAILING_SEQ + 1} of ${FIFO_EVENTS} ${onDeadLetter === 'block' ? `holds ${FAILING_SEQ + 2}–${FIFO_EVENTS} until the replay` : `sets ${FAILING_SEQ + 1} aside and delivers ${FAILING_SEQ + 2}–${FIFO_EVENTS}`}`,
      { timeout: 240_000 },
      async () => {
        const source = await createCourierSource(stack);
        const { sink } = await orderedSink({ fail: (data) => data.seq === FAILING_SEQ });
        // The operator's endpoint for Hookflow's own events (they come from the reserved `hookflow` source).
        const operator = await sinks.start();
        await manage(stack, 'POST', '/v1/subscriptions', {
          url: operator.url,
          eventTypes: ['hookflow.subscription.blocked'],
        });
        const subscription = await subscribe(stack, sink.url, source.id, {
          ordering: 'fifo',
          onDeadLetter,
          retryPolicy: { maximumAttempts: 1 },
        });
        await sendEvents(source, FIFO_EVENTS, [stack.url]);
        const accepted = await acceptanceOrder(source.id, FIFO_EVENTS);
        const position = accepted.findIndex((e) => e.seq === FAILING_SEQ);
        const deadLetter = await waitForDeadLetter(stack, subscription.id, accepted[position]!.id, 'open', 90_000);
        const dispatcher = stack.temporal.workflow.getHandle(workflowIds.dispatcher(subscription.id));

        if (onDeadLetter === 'block') {
          const blocked = await waitFor(
            async () => {
              const state = await dispatcher.query(dispatcherStateQuery);
              const held = state.admitted.some((holder) => holder.blocked);
              return held && state.waiting.length === accepted.length - position - 1 ? state : undefined;
            },
            { what: `the dispatcher to hold the other ${accepted.length - position - 1} behind the dead letter` },
          );
          expect(blocked.admitted).toHaveLength(1);
          const described = await dispatcher.describe();
          expect(described.typedSearchAttributes.get(searchAttributes.status)).toBe('blocked');
          const notice = await waitFor(
            async () =>
              operator.received
                .map(
                  (r) => JSON.parse(r.body) as { type: string; data: { subscriptionId: string; deliveryId: string } },
                )
                .find((body) => body.data.subscriptionId === subscription.id),
            { what: 'the hookflow.subscription.blocked notice' },
          );
          expect(notice).toMatchObject({
            type: 'hookflow.subscription.blocked',
            data: { deliveryId: deadLetter.deliveryId },
          });
          expect(firstArrivals(sink.received)).toHaveLength(position + 1);
          const replayed = await manage(stack, 'POST', `/v1/dead-letters/${deadLetter.id}/replay`);
          expect(replayed.status, replayed.text).toBe(202);
          await waitFor(
            async () => firstArrivals(sink.received).length >= FIFO_EVENTS && sink.received.length > FIFO_EVENTS,
            {
              timeoutMs: 120_000,
              what: 'the rest after the replay',
            },
          );
          // The failed event again (its replay), then the held ones, all in order.
          expect(sink.received.map((r) => bodyOf(r).seq)).toEqual([
            ...accepted.slice(0, position + 1).map((e) => e.seq),
            ...accepted.slice(position).map((e) => e.seq),
          ]);
        } else {
          await waitFor(async () => firstArrivals(sink.received).length >= FIFO_EVENTS, {
            timeoutMs: 120_000,
            what: 'the rest past the skipped one',
          });
          expect(firstArrivals(sink.received).map((r) => bodyOf(r).seq)).toEqual(accepted.map((e) => e.seq));
          const still = await manage(stack, 'GET', `/v1/dead-letters/${deadLetter.id}`);
          expect(still.body.status).toBe('open');
        }
      },
    );
  }
});

describe('maxInFlight', () => {
  it(
    'never sends more than 3 requests at once across two workers, and delivers every event once',
    { timeout: 240_000 },
    async () => {
      const { spawnWorkerProcess, killProcess } = await import('../helpers/worker-process.js');
      const second = await spawnWorkerProcess(stack.config, fastRetries);
      try {
        const source = await createCourierSource(stack);
        // The first requests are held until three are open, then 250 ms more, so a fourth one the cap
        // let through would overlap them.
        const { sink, seen } = await orderedSink({ delayMs: 250, holdUntilInFlight: 3 });
        await subscribe(stack, sink.url, source.id, { maxInFlight: 3 });
        await sendEvents(source, 30, [stack.url]);
        await waitFor(async () => firstArrivals(sink.received).length >= 30, {
          timeoutMs: 60_000,
          what: '30 capped deliveries',
        });
        expect(seen.maxConcurrent).toBeLessThanOrEqual(3);
        expect(seen.maxConcurrent).toBe(3);
        expect(sink.received).toHaveLength(30);
      } finally {
        await killProcess(second, 'SIGTERM');
      }
    },
  );
});

describe('the dispatcher survives', () => {
  it(
    'a worker SIGKILL mid-queue and continue-as-new with lanes waiting: every event once, in order',
    { timeout: 240_000 },
    async () => {
      const { spawnWorkerProcess, killProcess } = await import('../helpers/worker-process.js');
      const second = await spawnWorkerProcess(stack.config, { ...fastRetries, DISPATCHER_ADMISSIONS_PER_RUN: '25' });
      const source = await createCourierSource(stack);
      const { sink } = await orderedSink({ delayMs: 40 });
      const subscription = await subscribe(stack, sink.url, source.id, { ordering: 'fifo' });
      await sendEvents(source, 80, [stack.url]);
      await waitFor(async () => firstArrivals(sink.received).length >= 20, {
        timeoutMs: 60_000,
        what: '20 deliveries before the kill',
      });
      await killProcess(second, 'SIGKILL');

      await waitFor(async () => firstArrivals(sink.received).length >= 80, {
        timeoutMs: 120_000,
        what: 'all 80 after the kill',
      });
      const accepted = (await acceptanceOrder(source.id, 80)).map((e) => e.seq);
      expect(firstArrivals(sink.received).map((r) => bodyOf(r).seq)).toEqual(accepted);
      const repeats = sink.received.length - 80;
      console.log(
        `[delivery-policy] FIFO across a worker SIGKILL: 80 delivered in order, ${repeats} repeated attempt(s)`,
      );
      // A request in flight on the killed worker may be sent again (at-least-once); nothing else is.
      expect(repeats).toBeLessThanOrEqual(1);
      const runs = [];
      for await (const run of stack.temporal.workflow.list({
        query: `WorkflowId = "${workflowIds.dispatcher(subscription.id)}"`,
      }))
        runs.push(run);
      expect(runs.length).toBeGreaterThanOrEqual(3);
    },
  );
});
