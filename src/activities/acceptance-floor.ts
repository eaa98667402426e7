import { and, asc, eq, gt, inArray, lt, type SQL } from 'drizzle-orm';
import { events, ingressOutbox, subscriptions } from '../db/schema.js';
import { outboxTargetOf, rowsFor } from '../db/ingress-outbox.js';
import { afterAllAt, type AcceptanceMark } from '../domain/acceptance-order.js';
import type { AcceptanceFloorInput } from '../domain/workflow-io.js';
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
 * or still in the ingress outbox — from the subscription's sources.
 */
export function acceptanceFloorActivity({ db, config }: ActivityDependencies) {
  return async function acceptanceFloorOf(input: AcceptanceFloorInput): Promise<AcceptanceMark> {
    const now = Date.now();
    const settledBefore = new Date(now - input.reorderWindowMs);
    const subscription = await db.query.subscriptions.findFirst({
      where: eq(subscriptions.id, input.subscriptionId),
      columns: { id: true, eventTypes: true, sourceIds: true, orderingKey: true },
    });
    if (!subscription) return afterAllAt(settledBefore.toISOString());
    const since = new Date(now - UNROUTED_GIVE_UP_MS);
    const fromSources = (column: typeof events.sourceId | typeof ingressOutbox.sourceId): SQL | undefined =>
      subscription.sourceIds.length ? inArray(column, subscription.sourceIds) : undefined;
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
        ),
      )
      .orderBy(asc(ingressOutbox.receivedAt), asc(ingressOutbox.eventId))
      .limit(BATCH);
    const batch = (rows: typeof ledger): UnroutedBatch => ({
      events: rows.map((row) => ({ ...row, receivedAt: row.receivedAt.toISOString() })),
      complete: rows.length < BATCH,
    });
    return acceptanceFloor(
      { subscription, keyHash: input.orderingKeyHash, settledBefore: settledBefore.toISOString() },
      [batch(ledger), batch(outbox)],
    );
  };
}
