import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deadLetters, deliveries, events, subscriptions } from '../db/schema.js';
import { buildPolicies } from '../temporal/policies.js';
import { discard, redeliver as startRedelivery, replay, replayEvent } from '../temporal/workflow-client.js';
import { unsettledDeliveryStatuses, type DeliveryStatus, type RedeliveryOutcomeKind } from '../domain/vocabulary.js';
import type { LaneEvent, OperatorRequest } from '../domain/workflow-io.js';
import { workflowIds } from '../domain/workflow-ids.js';
import { discardDeadLetterRow, type DeadLetterRow } from './dead-letters.js';
import type { OperatorDeps } from './deps.js';

type EventRow = typeof events.$inferSelect;

async function loadEvent(db: Database, eventId: string): Promise<EventRow> {
  const event = await db.query.events.findFirst({ where: eq(events.id, eventId) });
  if (!event) throw new Error(`event ${eventId} no longer exists`);
  return event;
}

function laneEvent(event: EventRow, traceId: string): LaneEvent {
  return { eventId: event.id, sourceId: event.sourceId, eventType: event.eventType, traceId };
}

/** Runs one delivery again in a redelivery workflow: same delivery row, same webhook-id. */
async function redeliver(
  deps: OperatorDeps,
  event: EventRow,
  delivery: { id: string; subscriptionId: string },
  reason?: string,
): Promise<string> {
  const subscription = await deps.db.query.subscriptions.findFirst({
    where: eq(subscriptions.id, delivery.subscriptionId),
    columns: { url: true },
  });
  return startRedelivery(deps.temporal, deps.config.TEMPORAL_TASK_QUEUE, {
    event: laneEvent(event, randomUUID()),
    policies: buildPolicies(deps.config),
    mode: 'resend',
    ...(reason ? { reason } : {}),
    lane: {
      deliveryId: delivery.id,
      subscriptionId: delivery.subscriptionId,
      url: subscription?.url ?? '',
      workflowId: workflowIds.delivery(event.id, delivery.subscriptionId),
    },
  });
}

/**
 * Replays a dead letter. While the workflow holding its lane still runs (inside the replay window)
 * it gets the `replay` signal; once it has closed, a redelivery workflow (delivery stage) or a new
 * run of the event workflow (processing stage) takes over. Returns the workflow now in charge.
 */
export async function replayDeadLetter(
  deps: OperatorDeps,
  deadLetter: DeadLetterRow,
  request: OperatorRequest = {},
): Promise<string> {
  const { db, temporal, config } = deps;
  const target: OperatorRequest = deadLetter.deliveryId
    ? { deliveryId: deadLetter.deliveryId, subscriptionId: deadLetter.subscriptionId! }
    : {};
  const signal: OperatorRequest = { ...target, ...(request.reason ? { reason: request.reason } : {}) };
  let workflowId = deadLetter.workflowId;
  if (!(await replay(temporal, workflowId, signal))) {
    const event = await loadEvent(db, deadLetter.eventId);
    if (deadLetter.deliveryId) {
      workflowId = await redeliver(
        deps,
        event,
        { id: deadLetter.deliveryId, subscriptionId: deadLetter.subscriptionId! },
        request.reason,
      );
    } else {
      workflowId = await replayEvent(
        temporal,
        config.TEMPORAL_TASK_QUEUE,
        {
          eventId: event.id,
          sourceId: event.sourceId,
          idempotencyKey: event.idempotencyKey,
          eventType: event.eventType,
          payload: event.payload,
          payloadSha256: event.payloadSha256,
          headers: event.headers,
          receivedAt: event.receivedAt.toISOString(),
          traceId: randomUUID(),
          policies: buildPolicies(config),
        },
        signal,
      );
    }
  }
  deps.logger.info(
    {
      event: 'replay_requested',
      deadLetterId: deadLetter.id,
      workflowId,
      eventId: deadLetter.eventId,
      deliveryId: deadLetter.deliveryId,
    },
    'replay requested',
  );
  return workflowId;
}

/** Discards an open dead letter: the row closes now; a workflow still waiting is told to finish. */
export async function discardDeadLetter(
  deps: OperatorDeps,
  deadLetter: DeadLetterRow,
): Promise<DeadLetterRow | undefined> {
  const row = await discardDeadLetterRow(deps.db, deadLetter.id);
  if (!row) return undefined;
  if (row.deliveryId)
    await deps.db.update(deliveries).set({ status: 'discarded' }).where(eq(deliveries.id, row.deliveryId));
  // A workflow whose replay window has closed has nothing left to tell.
  await discard(
    deps.temporal,
    row.workflowId,
    row.deliveryId ? { deliveryId: row.deliveryId, subscriptionId: row.subscriptionId! } : {},
  );
  return row;
}

/** Replays many dead letters with bounded concurrency; returns how many were signalled. */
export async function replayMany(
  deps: OperatorDeps,
  rows: DeadLetterRow[],
  request: OperatorRequest = {},
  concurrency = 16,
): Promise<number> {
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

/** What `POST /v1/events/:id/redeliver` did for each delivery it was asked about. */
export interface RedeliveryOutcome {
  subscriptionId: string;
  deliveryId: string;
  workflowId: string;
  /** `replayed`: its open dead letter was replayed; `redelivered`: sent again; `in_progress`: still being delivered, left alone. */
  outcome: RedeliveryOutcomeKind;
}

const unsettled = new Set<DeliveryStatus>(unsettledDeliveryStatuses);

/**
 * Resends an event to some or all of its subscriptions, delivered or not (SPEC §5.3): an open dead
 * letter is replayed; a settled delivery runs again in a redelivery workflow; one still in
 * progress is left to finish (it would otherwise be sent twice at once).
 */
export async function redeliverEvent(
  deps: OperatorDeps,
  eventId: string,
  subscriptionIds?: string[],
  reason?: string,
): Promise<RedeliveryOutcome[] | undefined> {
  const event = await deps.db.query.events.findFirst({ where: eq(events.id, eventId) });
  if (!event) return undefined;
  const rows = await deps.db
    .select({
      id: deliveries.id,
      subscriptionId: deliveries.subscriptionId,
      status: deliveries.status,
      workflowId: deliveries.workflowId,
    })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.eventId, eventId),
        subscriptionIds?.length ? inArray(deliveries.subscriptionId, subscriptionIds) : undefined,
      ),
    )
    .orderBy(deliveries.id);
  const open = rows.length
    ? await deps.db
        .select()
        .from(deadLetters)
        .where(
          and(
            inArray(
              deadLetters.deliveryId,
              rows.map((r) => r.id),
            ),
            eq(deadLetters.status, 'open'),
          ),
        )
    : [];
  const openByDelivery = new Map(open.map((deadLetter) => [deadLetter.deliveryId, deadLetter]));
  const outcomes: RedeliveryOutcome[] = [];
  for (const row of rows) {
    const base = { subscriptionId: row.subscriptionId, deliveryId: row.id };
    const deadLetter = openByDelivery.get(row.id);
    if (deadLetter)
      outcomes.push({
        ...base,
        outcome: 'replayed',
        workflowId: await replayDeadLetter(deps, deadLetter, reason ? { reason } : {}),
      });
    else if (unsettled.has(row.status)) outcomes.push({ ...base, outcome: 'in_progress', workflowId: row.workflowId });
    else outcomes.push({ ...base, outcome: 'redelivered', workflowId: await redeliver(deps, event, row, reason) });
  }
  return outcomes;
}
