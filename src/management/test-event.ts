import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { deliveries, events, subscriptions } from '../db/schema.js';
import { newId } from '../ids.js';
import { OPERATIONAL_SOURCE } from '../domain/vocabulary.js';
import { workflowIds } from '../domain/workflow-ids.js';
import type { OperatorDeps } from './deps.js';

/**
 * `POST /v1/subscriptions/:id/test`: a synthetic `hookflow.test` event delivered to this one
 * subscription only, as one lane of a redelivery workflow.
 */
export async function sendTestEvent(
  deps: OperatorDeps,
  subscriptionId: string,
): Promise<{ eventId: string; deliveryId: string; workflowId: string }> {
  const { db, starter } = deps;
  const key = `test:${newId('dlv').slice(4)}`;
  const eventId = `evt_test_${key.slice(5)}`;
  const workflowId = workflowIds.delivery(eventId, subscriptionId);
  const traceId = randomUUID();
  const payload = { message: 'This is a test event from Hookflow.', subscriptionId };
  const deliveryId = newId('dlv');
  const subscription = await db.query.subscriptions.findFirst({
    where: eq(subscriptions.id, subscriptionId),
    columns: { url: true },
  });
  await db.transaction(async (tx) => {
    await tx.insert(events).values({
      id: eventId,
      sourceId: OPERATIONAL_SOURCE,
      idempotencyKey: key,
      eventType: 'hookflow.test',
      payload,
      payloadSha256: '-',
      receivedAt: new Date(),
      status: 'dispatched',
      workflowId,
      workflowRunId: 'synthetic',
      traceId,
    });
    await tx.insert(deliveries).values({ id: deliveryId, eventId, subscriptionId, workflowId });
  });
  await starter.redeliver({
    event: { eventId, sourceId: OPERATIONAL_SOURCE, eventType: 'hookflow.test', traceId },
    mode: 'first',
    lane: { deliveryId, subscriptionId, url: subscription?.url ?? '', workflowId },
  });
  return { eventId, deliveryId, workflowId };
}
