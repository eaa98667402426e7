import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { deliveries, events } from '../db/schema.js';
import type { Logger } from '../logging.js';
import { buildPolicies } from '../temporal/policies.js';
import { searchAttributes } from '../temporal/search-attributes.js';
import type { DeliveryWorkflowInput, EventWorkflowInput, ReplayRequest } from '../workflows/types.js';
import { discardDeadLetterRow, type DeadLetterRow } from './dead-letters.js';
import { newId } from '../ids.js';
import { workflowIds } from '../workflow-ids.js';

export interface OperatorDeps {
  db: Database;
  temporal: Client;
  config: Config;
  logger: Logger;
}

/**
 * Replays a dead letter with the `replay` signal. Signal-with-start covers both cases: a workflow
 * still inside its replay window just gets the signal; a closed one starts a new run on the same
 * workflow id from the stored event (same delivery row, same message id).
 */
export async function replayDeadLetter(deps: OperatorDeps, deadLetter: DeadLetterRow, request: ReplayRequest = {}): Promise<void> {
  const { db, temporal, config } = deps;
  const traceId = randomUUID();
  const policies = buildPolicies(config);
  const event = await db.query.events.findFirst({ where: eq(events.id, deadLetter.eventId) });
  if (!event) throw new Error(`event ${deadLetter.eventId} of dead letter ${deadLetter.id} no longer exists`);
  const common = { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: deadLetter.workflowId, signal: 'replay', signalArgs: [request], memo: { traceId } };
  if (deadLetter.stage === 'delivery') {
    const input: DeliveryWorkflowInput = {
      eventId: event.id, subscriptionId: deadLetter.subscriptionId!, deliveryId: deadLetter.deliveryId!, sourceId: event.sourceId, eventType: event.eventType, traceId, policies,
    };
    await temporal.workflow.signalWithStart('deliveryWorkflow', {
      ...common, args: [input],
      staticSummary: `${event.eventType} → ${deadLetter.subscriptionId} (replay)`,
      typedSearchAttributes: [
        { key: searchAttributes.source, value: event.sourceId }, { key: searchAttributes.eventType, value: event.eventType },
        { key: searchAttributes.eventId, value: event.id }, { key: searchAttributes.subscriptionId, value: input.subscriptionId },
        { key: searchAttributes.status, value: 'replaying' },
      ],
    });
  } else {
    const input: EventWorkflowInput = {
      eventId: event.id, sourceId: event.sourceId, idempotencyKey: event.idempotencyKey, eventType: event.eventType, payload: event.payload,
      payloadSha256: event.payloadSha256, headers: event.headers, receivedAt: event.receivedAt.toISOString(), traceId, policies, replay: true,
    };
    await temporal.workflow.signalWithStart('eventWorkflow', {
      ...common, args: [input],
      staticSummary: `${event.eventType} from ${event.sourceId} (replay)`,
      typedSearchAttributes: [
        { key: searchAttributes.source, value: event.sourceId }, { key: searchAttributes.eventType, value: event.eventType },
        { key: searchAttributes.eventId, value: event.id }, { key: searchAttributes.idempotencyKey, value: event.idempotencyKey },
        { key: searchAttributes.status, value: 'processing' },
      ],
    });
  }
  deps.logger.info({ event: 'replay_requested', deadLetterId: deadLetter.id, workflowId: deadLetter.workflowId, eventId: event.id, deliveryId: deadLetter.deliveryId, traceId }, 'replay requested');
}

/** Discards an open dead letter: the row closes now; a workflow still waiting is told to finish. */
export async function discardDeadLetter(deps: OperatorDeps, deadLetter: DeadLetterRow): Promise<DeadLetterRow | undefined> {
  const row = await discardDeadLetterRow(deps.db, deadLetter.id);
  if (!row) return undefined;
  if (row.deliveryId) await deps.db.update(deliveries).set({ status: 'discarded' }).where(eq(deliveries.id, row.deliveryId));
  try {
    await deps.temporal.workflow.getHandle(row.workflowId).signal('discard');
  } catch (error) {
    // The replay window has closed: there is no workflow left to tell.
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  return row;
}

/** Replays many dead letters with bounded concurrency; returns how many were signalled. */
export async function replayMany(deps: OperatorDeps, rows: DeadLetterRow[], request: ReplayRequest = {}, concurrency = 16): Promise<number> {
  let next = 0;
  let count = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      await replayDeadLetter(deps, row, request);
      count++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
  return count;
}

/**
 * `POST /v1/subscriptions/:id/test`: a synthetic `hookflow.test` event delivered to this one
 * subscription only, through the normal delivery workflow.
 */
export async function sendTestEvent(deps: OperatorDeps, subscriptionId: string): Promise<{ eventId: string; deliveryId: string; workflowId: string }> {
  const { db, temporal, config } = deps;
  const key = `test:${newId('dlv').slice(4)}`;
  const eventId = `evt_test_${key.slice(5)}`;
  const workflowId = workflowIds.delivery(eventId, subscriptionId);
  const traceId = randomUUID();
  const receivedAt = new Date();
  const payload = { message: 'This is a test event from Hookflow.', subscriptionId };
  const deliveryId = newId('dlv');
  await db.transaction(async (tx) => {
    await tx.insert(events).values({
      id: eventId, sourceId: 'hookflow', idempotencyKey: key, eventType: 'hookflow.test', payload, payloadSha256: '-', receivedAt,
      status: 'dispatched', workflowId, workflowRunId: 'synthetic', traceId,
    });
    await tx.insert(deliveries).values({ id: deliveryId, eventId, subscriptionId, workflowId });
  });
  const input: DeliveryWorkflowInput = { eventId, subscriptionId, deliveryId, sourceId: 'hookflow', eventType: 'hookflow.test', traceId, policies: buildPolicies(config) };
  await temporal.workflow.start('deliveryWorkflow', {
    workflowId, taskQueue: config.TEMPORAL_TASK_QUEUE, args: [input], staticSummary: `hookflow.test → ${subscriptionId}`, memo: { traceId },
    typedSearchAttributes: [
      { key: searchAttributes.source, value: 'hookflow' }, { key: searchAttributes.eventType, value: 'hookflow.test' },
      { key: searchAttributes.eventId, value: eventId }, { key: searchAttributes.subscriptionId, value: subscriptionId },
      { key: searchAttributes.status, value: 'delivering' },
    ],
  });
  return { eventId, deliveryId, workflowId };
}

