import { and, asc, eq, gt, inArray, isNull, lt, not, type SQL } from 'drizzle-orm';
import { deliveries, events, ingressOutbox, subscriptions } from '../db/schema.js';
import { outboxTargetOf, recordedInLedger, rowsFor } from '../db/ingress-outbox.js';
import { afterAllAt, type AcceptanceFloorAnswer } from '../domain/acceptance-order.js';
import type { AcceptanceFloorInput } from '../domain/workflow-io.js';
import { workflowIds } from '../domain/workflow-ids.js';
import { acceptanceFloor, type UnroutedBatch } from '../delivery/ordering-floor.js';
import type { ActivityDependencies } from './deps.js';

/** Unrouted events read per table and call; past it the floor stops at the last one read. */
const BATCH = 200;

/**
 * An event still unrouted this long after its acceptance (its processing keeps failing) no longer
 * holds the deliveries accepted after it: a FIFO queue waits for a slow router, not forever.
 */
export const UNROUTED_GIVE_UP_MS = 10 * 60_000;

/**
 * The acceptance floor of a FIFO dispatcher (see `acceptanceFloor`): reads the events accepted
 * before now − the reorder window that are not routed yet — in the ledger (`received`/`processing`)
 * or still in the ingress outbox (waiting for its start, or started but not yet in the ledger) —
 * from the subscription's sources, and the deliveries routed to this dispatcher whose lanes have not
 * marked their request for a slot (the dispatcher skips those it already holds: `floorFor`).
 */
export function acceptanceFloorActivity({ db, config }: ActivityDependencies) {
  return async function acceptanceFloorOf(input: AcceptanceFloorInput): Promise<AcceptanceFloorAnswer> {
    const now = Date.now();
    const settledBefore = new Date(now - input.reorderWindowMs);
    const subscription = await db.query.subscriptions.findFirst({
      where: eq(subscriptions.id, input.subscriptionId),
      columns: { id: true, eventTypes: true, sourceIds: true, orderingKey: true },
    });
    if (!subscription)
      return { unrouted: afterAllAt(settledBefore.toISOString()), notYetQueued: [], notYetQueuedComplete: true };
    const since = new Date(now - UNROUTED_GIVE_UP_MS);
    const fromSources = (column: typeof events.sourceId | typeof ingressOutbox.sourceId): SQL | undefined =>
      subscription.sourceIds.length ? inArray(column, subscription.sourceIds) : undefined;
    // An event moves outbox → ledger (recordEvent inserts, then deletes its outbox row) → routed
    // (processEvent writes the delivery rows, then marks it dispatched) → queued: reading in that
    // order, each statement seeing what committed before it, an event between two reads is seen by
    // the later one.
    const outbox = await db
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
          rowsFor(outboxTargetOf(config)),
          gt(ingressOutbox.receivedAt, since),
          lt(ingressOutbox.receivedAt, settledBefore),
          fromSources(ingressOutbox.sourceId),
          // Started and already recorded (a duplicate started beside a direct start, until the relay's
          // sweep): the ledger read below tells whether it is routed.
          not(recordedInLedger),
        ),
      )
      .orderBy(asc(ingressOutbox.receivedAt), asc(ingressOutbox.eventId))
      .limit(BATCH);
    const ledger = await db
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
          gt(events.receivedAt, since),
          lt(events.receivedAt, settledBefore),
          fromSources(events.sourceId),
        ),
      )
      .orderBy(asc(events.receivedAt), asc(events.id))
      .limit(BATCH);
    const notYetQueued = await db
      .select({ deliveryId: deliveries.id, receivedAt: events.receivedAt, eventId: events.id })
      .from(deliveries)
      .innerJoin(events, eq(events.id, deliveries.eventId))
      .where(
        and(
          eq(deliveries.orderingQueue, workflowIds.dispatcher(input.subscriptionId, input.orderingKeyHash)),
          isNull(deliveries.queuedAt),
          eq(deliveries.status, 'pending'),
          gt(events.receivedAt, since),
        ),
      )
      .orderBy(asc(events.receivedAt), asc(events.id))
      .limit(BATCH);
    const batch = (rows: typeof ledger): UnroutedBatch => ({
      events: rows.map((row) => ({ ...row, receivedAt: row.receivedAt.toISOString() })),
      complete: rows.length < BATCH,
    });
    return {
      unrouted: acceptanceFloor(
        { subscription, keyHash: input.orderingKeyHash, settledBefore: settledBefore.toISOString() },
        [batch(outbox), batch(ledger)],
      ),
      notYetQueued: notYetQueued.map((row) => ({ ...row, receivedAt: row.receivedAt.toISOString() })),
      notYetQueuedComplete: notYetQueued.length < BATCH,
    };
  };
}
