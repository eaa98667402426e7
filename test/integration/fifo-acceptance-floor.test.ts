// The acceptance floor of a FIFO dispatcher while an earlier event is still on its way to the
// dispatcher where PostgreSQL can see it — routed but its lane has not asked yet, or spilled and
// started but its workflow has not run yet (a worker slow to pick either up): the real activities
// and outbox relay against the suite's PostgreSQL and Temporal.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowStarter } from '../../src/temporal/workflow-client.js';
import { createActivities } from '../../src/activities/index.js';
import { deliveries, ingressOutbox } from '../../src/db/schema.js';
import { compareAcceptance, floorFor } from '../../src/domain/acceptance-order.js';
import type { EventWorkflowInput, RoutedDelivery, RecordEventResult } from '../../src/domain/workflow-io.js';
import { createLogger } from '../../src/logging.js';
import { startOutboxRelay } from '../../src/worker-setup/outbox-relay.js';
import { createCourierSource, subscribe } from '../helpers/delivery-fixtures.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { shipmentEventInput } from '../helpers/event-input.js';
import { sinkPool } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
const sinks = sinkPool();
const REORDER_WINDOW_MS = 200;

beforeAll(async () => {
  stack = await startTestStack({ ORDERING_REORDER_WINDOW: `${REORDER_WINDOW_MS}ms` });
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

const logger = createLogger('test', 'silent');
const activitiesOf = (on: TestStack) =>
  createActivities({ config: on.config, db: on.db, logger, starter: new WorkflowStarter(on.temporal, on.config) });

describe('the acceptance floor of a FIFO queue', () => {
  it('holds at a routed delivery until its lane has asked the dispatcher, then moves past it', async () => {
    const activities = activitiesOf(stack);
    const source = await createCourierSource(stack);
    const sink = await sinks.start(async () => ({ status: 200 }));
    const subscription = await subscribe(stack, sink.url, source.id, { ordering: 'fifo' });
    // Two events accepted 10 ms apart, long enough ago that the reorder window no longer holds them.
    const acceptedAt = Date.now() - 5_000;
    const eventInput = (offsetMs: number): EventWorkflowInput =>
      shipmentEventInput(stack.config, source.id, new Date(acceptedAt + offsetMs), { seq: offsetMs });
    /** Records and routes the event as its workflow would (a passthrough source: recordEvent routes too); returns its one delivery. */
    const route = async (input: EventWorkflowInput): Promise<RoutedDelivery> => {
      const workflowId = `event:${source.id}:${input.idempotencyKey}`;
      // recordEvent writes the id of the workflow it runs in.
      const inWorkflow = new MockActivityEnvironment({ workflowExecution: { workflowId, runId: randomUUID() } });
      const recorded: RecordEventResult = await inWorkflow.run(activities.recordEvent, input);
      expect(recorded.recorded).toBe(true);
      expect(recorded.routed!.deliveries.map((d) => d.subscriptionId)).toEqual([subscription.id]);
      return recorded.routed!.deliveries[0]!;
    };
    const floor = () =>
      activities.acceptanceFloorOf({ subscriptionId: subscription.id, reorderWindowMs: REORDER_WINDOW_MS });

    const first = eventInput(0);
    const second = eventInput(10);
    const firstDelivery = await route(first);
    await route(second);
    // Both are routed (`dispatched` in the ledger), neither lane has asked: the first holds the queue,
    // unless the dispatcher already holds it (its request arrived, its mark is not written yet).
    const routedBoth = await floor();
    expect(routedBoth.notYetQueued.map((d) => d.eventId)).toEqual([first.eventId, second.eventId]);
    expect(floorFor(routedBoth, () => false)).toEqual({ receivedAt: first.receivedAt, eventId: first.eventId });
    expect(floorFor(routedBoth, (id) => id === firstDelivery.deliveryId)).toEqual({
      receivedAt: second.receivedAt,
      eventId: second.eventId,
    });

    // The first lane asks: signal-with-start of the dispatcher, then the mark on its delivery row.
    const admission = firstDelivery.policy!.admission!;
    await activities.requestAdmission({
      dispatcherId: admission.dispatcherId,
      subscriptionId: subscription.id,
      fifo: true,
      request: {
        deliveryId: firstDelivery.deliveryId,
        eventId: first.eventId,
        workflowId: `event:${source.id}:${first.idempotencyKey}`,
        receivedAt: admission.receivedAt,
        maxInFlight: admission.maxInFlight,
      },
    });
    const [row] = await stack.db
      .select({ orderingQueue: deliveries.orderingQueue, queuedAt: deliveries.queuedAt })
      .from(deliveries)
      .where(eq(deliveries.id, firstDelivery.deliveryId));
    expect(row!.orderingQueue).toBe(admission.dispatcherId);
    expect(row!.queuedAt).toBeInstanceOf(Date);
    // Now the second, still on its way to the dispatcher, is the floor: the first may go, the second not.
    const firstAsked = await floor();
    expect(firstAsked.notYetQueued.map((d) => d.eventId)).toEqual([second.eventId]);
    expect(floorFor(firstAsked, () => false)).toEqual({ receivedAt: second.receivedAt, eventId: second.eventId });
  });

  it('holds at a spilled event whose workflow has started but not yet written its ledger row', async () => {
    // Every webhook goes through the outbox; no worker polls the task queue, so a relay of our own
    // starts the workflow and nobody runs it: the event is in Temporal and in neither ledger nor queue.
    const quiet = await startTestStack(
      { INGRESS_SPILLOVER_AFTER: '0', ORDERING_REORDER_WINDOW: `${REORDER_WINDOW_MS}ms` },
      { worker: false },
    );
    try {
      const activities = activitiesOf(quiet);
      const source = await createCourierSource(quiet);
      const sink = await sinks.start(async () => ({ status: 200 }));
      const subscription = await subscribe(quiet, sink.url, source.id, { ordering: 'fifo' });
      const accepted = (await source.send()) as Awaited<ReturnType<typeof source.send>> & { receivedAt: string };
      const outboxRow = async () =>
        (
          await quiet.db
            .select({ startedAt: ingressOutbox.startedAt })
            .from(ingressOutbox)
            .where(eq(ingressOutbox.eventId, accepted.eventId))
        )[0];
      const relay = await startOutboxRelay({
        db: quiet.db,
        starter: new WorkflowStarter(quiet.temporal, quiet.config),
        config: quiet.config,
        logger,
      });
      try {
        await waitFor(async () => (await outboxRow())?.startedAt instanceof Date, { what: 'the relay to start it' });
      } finally {
        await relay.stop();
      }
      expect((await quiet.temporal.workflow.getHandle(accepted.workflowId).describe()).status.name).toBe('RUNNING');
      // The gauge counts every deployment's rows in this database (other tests' too): ours is among them.
      const metrics = await (await fetch(`${quiet.url}/metrics`)).text();
      expect(Number(/^hookflow_ingress_outbox_started (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
      await waitFor(async () => Date.now() > Date.parse(accepted.receivedAt) + REORDER_WINDOW_MS, {
        what: 'the reorder window to pass',
      });
      const floor = () =>
        activities.acceptanceFloorOf({ subscriptionId: subscription.id, reorderWindowMs: REORDER_WINDOW_MS });
      expect((await floor()).unrouted).toEqual({ receivedAt: accepted.receivedAt, eventId: accepted.eventId });

      // A worker runs it: the ledger row is written, the outbox row goes, the event is delivered once.
      await quiet.startWorker();
      await waitFor(async () => sink.received.length >= 1 && (await outboxRow()) === undefined, {
        timeoutMs: 30_000,
        what: 'the delivery, and the outbox row removed',
      });
      const routed = await floor();
      expect(routed.notYetQueued).toEqual([]);
      expect(compareAcceptance(routed.unrouted, { receivedAt: accepted.receivedAt, eventId: accepted.eventId })).toBe(
        1,
      );
      expect(sink.received).toHaveLength(1);
    } finally {
      await quiet.stop();
    }
  });

  it('sees every webhook of a source feeding a FIFO subscription, as they all spill (a plain source starts directly)', async () => {
    const ordered = await createCourierSource(stack);
    const plain = await createCourierSource(stack);
    const sink = await sinks.start(async () => ({ status: 200 }));
    await subscribe(stack, sink.url, ordered.id, { ordering: 'fifo' });
    await subscribe(stack, sink.url, plain.id, { maxInFlight: 2 });
    const send = async (source: typeof ordered) => {
      const response = await postHmacWebhook(stack.url, source.id, source.secret, courierEnvelope());
      expect(response.status).toBe(202);
      return (await response.json()) as { eventId: string; spilled?: boolean };
    };
    // The suite's stack spills only when Temporal is unavailable (INGRESS_SPILLOVER_AFTER=10s).
    const spilled = await send(ordered);
    const direct = await send(plain);
    expect(spilled.spilled).toBe(true);
    expect(direct.spilled ?? false).toBe(false);
    await waitFor(async () => sink.byMessage(spilled.eventId).length + sink.byMessage(direct.eventId).length === 2, {
      timeoutMs: 30_000,
      what: 'both delivered',
    });
  });
});
