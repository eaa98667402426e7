// A delivery's first attempt runs as a local activity, and Temporal runs a local activity again when
// the workflow task that scheduled it timed out (a worker starved of CPU). The second execution may
// start while the first is still sending: it must wait for the first instead of sending the message
// again (docs/architecture.md, "Delivery attempts"). The real activity against the suite's PostgreSQL
// and a real HTTP subscriber.
import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { deliveries } from '../../src/db/schema.js';
import type { DeliveryAttemptInput, RecordEventResult } from '../../src/domain/workflow-io.js';
import { createLogger } from '../../src/logging.js';
import { WorkflowStarter } from '../../src/temporal/workflow-client.js';
import { createCourierSource, subscribe } from '../helpers/delivery-fixtures.js';
import { shipmentEventInput } from '../helpers/event-input.js';
import { sinkPool } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
const sinks = sinkPool();

beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

describe('a local first attempt run twice at once', () => {
  it('sends once: the second execution waits for the first, and a later attempt answers delivered without a request', async () => {
    const activities = createActivities({
      config: stack.config,
      db: stack.db,
      logger: createLogger('test', 'silent'),
      starter: new WorkflowStarter(stack.temporal, stack.config),
    });
    const source = await createCourierSource(stack);
    // Slow enough that the second execution starts while the first is still waiting for the answer.
    const sink = await sinks.start(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return { status: 200 };
    });
    const subscription = await subscribe(stack, sink.url, source.id);
    const event = shipmentEventInput(stack.config, source.id, new Date());
    const workflowExecution = { workflowId: `event:${source.id}:${event.idempotencyKey}`, runId: randomUUID() };
    const recorded: RecordEventResult = await new MockActivityEnvironment({ workflowExecution }).run(
      activities.recordEvent,
      event,
    );
    const [routed] = recorded.routed!.deliveries;
    expect(routed!.subscriptionId).toBe(subscription.id);
    const attempt: DeliveryAttemptInput = {
      eventId: event.eventId,
      sourceId: event.sourceId,
      eventType: event.eventType,
      traceId: event.traceId,
      subscriptionId: subscription.id,
      deliveryId: routed!.deliveryId,
      maximumAttempts: 5,
      maximumIntervalMs: 1_000,
    };
    const local = () => new MockActivityEnvironment({ workflowExecution, isLocal: true, attempt: 1 });

    const first = local().run(activities.deliverWebhook, attempt);
    // The second execution starts once the first holds the send (its request is at the subscriber).
    while (sink.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await local().run(activities.deliverWebhook, attempt);
    expect(second).toMatchObject({ kind: 'throttled' });
    expect((second as { waitMs: number }).waitMs).toBeGreaterThan(0);
    expect(await first).toMatchObject({ kind: 'delivered', statusCode: 200 });

    // What the lane does after the wait: a regular attempt finds the delivery settled and sends nothing.
    const after = await new MockActivityEnvironment({ workflowExecution, attempt: 1 }).run(
      activities.deliverWebhook,
      attempt,
    );
    expect(after).toMatchObject({ kind: 'delivered' });
    expect(sink.byMessage(event.eventId)).toHaveLength(1);
    const [row] = await stack.db.select().from(deliveries).where(eq(deliveries.id, routed!.deliveryId));
    expect(row).toMatchObject({ status: 'delivered', attempts: 1, sendingUntil: null });
  });
});
