// Replays, discards and redeliveries of stored events (README "Dead letters, replay and redelivery").
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deadLetters, deliveries, events, subscriptions } from '../db/schema.js';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logging.js';
import { RedeliveryRunning, type WorkflowStarter } from './workflow-client.js';
import { decideDeadLetter } from './operator-updates.js';
import { unsettledDeliveryStatuses, type DeliveryStatus, type RedeliveryOutcomeKind } from '../domain/vocabulary.js';
import type { EventData, LaneData, LaneEvent, OperatorRequest } from '../domain/workflow-io.js';
import { workflowIds } from '../domain/workflow-ids.js';

/**
 * What replays and redeliveries are carried out with: the API's operator routes and the recover
 * workflow's activity both use this module.
 */
export interface RedeliveryDeps {
  db: Database;
  /** Updates to the workflows holding dead letters. */
  temporal: Client;
  /** Redelivery and event-workflow starts. */
  starter: WorkflowStarter;
  logger: Logger;
}

type DeadLetterRow = typeof deadLetters.$inferSelect;

type EventRow = typeof events.$inferSelect;

async function loadEvent(db: Database, eventId: string): Promise<EventRow> {
  const event = await db.query.events.findFirst({ where: eq(events.id, eventId) });
  if (!event) throw new Error(`event ${eventId} no longer exists`);
  return event;
}

function laneEvent(event: EventRow, traceId: string): LaneEvent {
  return { eventId: event.id, sourceId: event.sourceId, eventType: event.eventType, traceId };
}

/** The redelivery workflow's input for one delivery of a stored event (same delivery row, same webhook-id). */
async function laneOf(
  deps: RedeliveryDeps,
  event: EventRow,
  delivery: { id: string; subscriptionId: string },
  reason?: string,
): Promise<LaneData> {
  const subscription = await deps.db.query.subscriptions.findFirst({
    where: eq(subscriptions.id, delivery.subscriptionId),
    columns: { url: true },
  });
  return {
    event: laneEvent(event, randomUUID()),
    mode: 'resend',
    ...(reason ? { reason } : {}),
    lane: {
      deliveryId: delivery.id,
      subscriptionId: delivery.subscriptionId,
      url: subscription?.url ?? '',
      workflowId: workflowIds.delivery(event.id, delivery.subscriptionId),
    },
  };
}

/** Runs one delivery again in a redelivery workflow: same delivery row, same webhook-id. */
async function redeliver(
  deps: RedeliveryDeps,
  event: EventRow,
  delivery: { id: string; subscriptionId: string },
  reason?: string,
): Promise<string> {
  return deps.starter.redeliver(await laneOf(deps, event, delivery, reason));
}

/** What became of an operator's replay or discard. */
export type DecisionResult =
  | { kind: 'done'; workflowId: string }
  /** The workflow holding the dead letter is not waiting for a decision (the reason says why). */
  | { kind: 'refused'; reason: string };

/** A stored event as a workflow run takes it (a run that replays or discards its processing dead letter). */
function eventDataOf(event: EventRow): EventData {
  return {
    eventId: event.id,
    sourceId: event.sourceId,
    idempotencyKey: event.idempotencyKey,
    eventType: event.eventType,
    payload: event.payload,
    payloadSha256: event.payloadSha256,
    headers: event.headers,
    receivedAt: event.receivedAt.toISOString(),
    traceId: randomUUID(),
  };
}

/** The request that names a dead letter's lane (none for a processing dead letter). */
function targetOf(deadLetter: DeadLetterRow, reason?: string): OperatorRequest {
  return {
    ...(deadLetter.deliveryId ? { deliveryId: deadLetter.deliveryId, subscriptionId: deadLetter.subscriptionId! } : {}),
    ...(reason ? { reason } : {}),
  };
}

/**
 * Replays a dead letter. While the workflow holding it still runs (inside the replay window) it
 * gets the `replayDeadLetter` Update and answers once the replay has begun; once it has closed, a
 * redelivery workflow (delivery stage) or a new run of the event workflow (processing stage) takes
 * over. Rows are written by those workflows only.
 */
export async function replayDeadLetter(
  deps: RedeliveryDeps,
  deadLetter: DeadLetterRow,
  request: OperatorRequest = {},
): Promise<DecisionResult> {
  const { db, temporal, starter } = deps;
  const target = targetOf(deadLetter, request.reason);
  const answer = await decideDeadLetter(temporal, deadLetter.workflowId, 'replay', target);
  if (answer.kind === 'refused') return answer;
  let workflowId = deadLetter.workflowId;
  if (answer.kind === 'closed') {
    const event = await loadEvent(db, deadLetter.eventId);
    workflowId = deadLetter.deliveryId
      ? await redeliver(
          deps,
          event,
          { id: deadLetter.deliveryId, subscriptionId: deadLetter.subscriptionId! },
          request.reason,
        )
      : await starter.replayEvent(eventDataOf(event), target);
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
  return { kind: 'done', workflowId };
}

/**
 * Discards an open dead letter through the workflow holding it (`discardDeadLetter` Update), or,
 * once that has closed, through a short run that only closes it; resolves when the row is closed.
 */
export async function discardDeadLetter(
  deps: RedeliveryDeps,
  deadLetter: DeadLetterRow,
  request: OperatorRequest = {},
): Promise<DecisionResult> {
  const { temporal, starter } = deps;
  const answer = await decideDeadLetter(
    temporal,
    deadLetter.workflowId,
    'discard',
    targetOf(deadLetter, request.reason),
  );
  if (answer.kind === 'done') return { kind: 'done', workflowId: deadLetter.workflowId };
  if (answer.kind === 'refused') return answer;
  const event = await loadEvent(deps.db, deadLetter.eventId);
  if (!deadLetter.deliveryId)
    return {
      kind: 'done',
      workflowId: await starter.discardInEventRun(eventDataOf(event)),
    };
  try {
    const lane = await laneOf(deps, event, { id: deadLetter.deliveryId, subscriptionId: deadLetter.subscriptionId! });
    return { kind: 'done', workflowId: await starter.discardInRedelivery(lane) };
  } catch (error) {
    if (error instanceof RedeliveryRunning) return { kind: 'refused', reason: error.message };
    throw error;
  }
}

/** Replays many dead letters with bounded concurrency; returns how many were replayed (refusals are skipped). */
export async function replayMany(
  deps: RedeliveryDeps,
  rows: DeadLetterRow[],
  request: OperatorRequest = {},
  concurrency = 16,
): Promise<number> {
  let next = 0;
  let count = 0;
  const worker = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      if ((await replayDeadLetter(deps, row, request)).kind === 'done') count++;
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
 * Resends an event to some or all of its subscriptions, delivered or not (README "Dead letters, replay and redelivery"): an open dead
 * letter is replayed; a settled delivery runs again in a redelivery workflow; one still in
 * progress is left to finish (it would otherwise be sent twice at once).
 */
export async function redeliverEvent(
  deps: RedeliveryDeps,
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
    const replayed = deadLetter && (await replayDeadLetter(deps, deadLetter, reason ? { reason } : {}));
    if (replayed?.kind === 'done') outcomes.push({ ...base, outcome: 'replayed', workflowId: replayed.workflowId });
    // Refused: the workflow holding it is carrying out another decision right now.
    else if (replayed) outcomes.push({ ...base, outcome: 'in_progress', workflowId: deadLetter!.workflowId });
    else if (unsettled.has(row.status)) outcomes.push({ ...base, outcome: 'in_progress', workflowId: row.workflowId });
    else outcomes.push({ ...base, outcome: 'redelivered', workflowId: await redeliver(deps, event, row, reason) });
  }
  return outcomes;
}
