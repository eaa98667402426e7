// The reads behind a FIFO dispatcher's acceptance floor (src/activities/acceptance-floor.ts). An
// event moves outbox → ledger (recordEvent inserts, then deletes its outbox row) → routed
// (processEvent writes the delivery rows, then marks it dispatched) → queued: reading in that order,
// each statement seeing what committed before it, an event between two reads is seen by the later one.
import { and, asc, eq, gt, inArray, isNull, lt, not, type SQL } from 'drizzle-orm';
import type { Database } from './client.js';
import { recordedInLedger, rowsFor, type OutboxTarget } from './ingress-outbox.js';
import { deliveries, events, ingressOutbox } from './schema.js';

/** Which events count: accepted inside (since, before), from these sources (none = all). */
export interface FloorWindow {
  since: Date;
  before: Date;
  sourceIds: string[];
  limit: number;
}

const within = (column: typeof events.receivedAt | typeof ingressOutbox.receivedAt, window: FloorWindow) => [
  gt(column, window.since),
  lt(column, window.before),
];
const fromSources = (column: typeof events.sourceId | typeof ingressOutbox.sourceId, window: FloorWindow) =>
  window.sourceIds.length ? inArray(column, window.sourceIds) : undefined;

/** Spilled webhooks of this deployment not yet in the ledger (waiting for their start, or started but unrecorded), oldest first. */
export function unroutedInOutbox(db: Database, target: OutboxTarget, window: FloorWindow) {
  return db
    .select({
      eventId: ingressOutbox.eventId,
      sourceId: ingressOutbox.sourceId,
      eventType: ingressOutbox.eventType,
      payload: ingressOutbox.payload,
      headers: ingressOutbox.headers,
      receivedAt: ingressOutbox.receivedAt,
    })
    .from(ingressOutbox)
    .where(
      and(
        rowsFor(target),
        ...within(ingressOutbox.receivedAt, window),
        fromSources(ingressOutbox.sourceId, window) as SQL | undefined,
        // Started and already recorded (a duplicate started beside a direct start, until the relay's
        // sweep): the ledger read tells whether it is routed.
        not(recordedInLedger),
      ),
    )
    .orderBy(asc(ingressOutbox.receivedAt), asc(ingressOutbox.eventId))
    .limit(window.limit);
}

/** Events in the ledger not routed yet (`received`/`processing`), oldest first. */
export function unroutedInLedger(db: Database, window: FloorWindow) {
  return db
    .select({
      eventId: events.id,
      sourceId: events.sourceId,
      eventType: events.eventType,
      payload: events.payload,
      headers: events.headers,
      receivedAt: events.receivedAt,
    })
    .from(events)
    .where(
      and(
        inArray(events.status, ['received', 'processing']),
        ...within(events.receivedAt, window),
        fromSources(events.sourceId, window) as SQL | undefined,
      ),
    )
    .orderBy(asc(events.receivedAt), asc(events.id))
    .limit(window.limit);
}

/** Deliveries routed to this dispatcher whose lanes have not marked their request for a slot, oldest first. */
export function notYetQueued(db: Database, dispatcherId: string, since: Date, limit: number) {
  return db
    .select({ deliveryId: deliveries.id, receivedAt: events.receivedAt, eventId: events.id })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .where(
      and(
        eq(deliveries.orderingQueue, dispatcherId),
        isNull(deliveries.queuedAt),
        eq(deliveries.status, 'pending'),
        gt(events.receivedAt, since),
      ),
    )
    .orderBy(asc(events.receivedAt), asc(events.id))
    .limit(limit);
}
