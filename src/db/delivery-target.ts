import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import { preparedOnce, type Database } from './client.js';
import { deliveries, events, subscriptions } from './schema.js';

/** Everything one delivery attempt needs, read in one round trip. */
export interface DeliveryTarget {
  delivery: { status: string; attempts: number; lastStatusCode: number | null };
  /** Null when the subscription was deleted. */
  subscription: typeof subscriptions.$inferSelect | null;
  event: {
    id: string;
    eventType: string;
    sourceId: string;
    receivedAt: Date;
    payload: unknown;
    processedPayload: unknown;
    /** The ingress headers kept with the event (a transformation may read them). */
    headers: Record<string, string>;
  };
}

/**
 * The delivery, its subscription (as of now) and its event; undefined when the event was purged.
 * Prepared once per pool: every attempt runs it, and building the statement each time cost the
 * worker more CPU than running it (README "Performance").
 */
export async function loadDeliveryTarget(db: Database, deliveryId: string): Promise<DeliveryTarget | undefined> {
  const [row] = await preparedOnce(db, prepareLoadTarget).execute({ deliveryId });
  return row;
}

/** A target loaded by a local first attempt, with whether that execution holds the send (`claimSendAndLoad`). */
export type ClaimedTarget = DeliveryTarget & { claimed: boolean; heldUntil: Date | null };

/**
 * `loadDeliveryTarget` for a local first attempt, in the same round trip: it also takes the send for
 * `leaseMs` unless another execution of the attempt holds it. Temporal runs a local activity again
 * when the workflow task that scheduled it timed out (a starved worker), and the first execution may
 * still be sending: the second must not send too (docs/architecture.md, "Delivery attempts").
 */
export async function claimSendAndLoad(
  db: Database,
  deliveryId: string,
  leaseMs: number,
): Promise<ClaimedTarget | undefined> {
  const [row] = await preparedOnce(db, prepareClaimAndLoad).execute({ deliveryId, leaseMs });
  return row;
}

const targetColumns = {
  delivery: {
    status: deliveries.status,
    attempts: deliveries.attempts,
    lastStatusCode: deliveries.lastStatusCode,
  },
  subscription: subscriptions,
  event: {
    id: events.id,
    eventType: events.eventType,
    sourceId: events.sourceId,
    receivedAt: events.receivedAt,
    payload: events.payload,
    processedPayload: events.processedPayload,
    headers: events.headers,
  },
};

function prepareLoadTarget(db: Database) {
  return db
    .select(targetColumns)
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .leftJoin(subscriptions, eq(subscriptions.id, deliveries.subscriptionId))
    .where(eq(deliveries.id, sql.placeholder('deliveryId')))
    .prepare('hookflow_load_delivery_target');
}

function prepareClaimAndLoad(db: Database) {
  const claim = db.$with('claim').as(
    db
      .update(deliveries)
      .set({ sendingUntil: sql`now() + ${sql.placeholder('leaseMs')} * interval '1 millisecond'` })
      .where(
        and(
          eq(deliveries.id, sql.placeholder('deliveryId')),
          or(isNull(deliveries.sendingUntil), lt(deliveries.sendingUntil, sql`now()`)),
        ),
      )
      .returning({ id: deliveries.id }),
  );
  // The outer select reads the row as it was before the claim: `heldUntil` is the other execution's lease.
  return db
    .with(claim)
    .select({
      ...targetColumns,
      claimed: sql<boolean>`exists (select 1 from ${claim})`.as('claimed'),
      heldUntil: deliveries.sendingUntil,
    })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .leftJoin(subscriptions, eq(subscriptions.id, deliveries.subscriptionId))
    .where(eq(deliveries.id, sql.placeholder('deliveryId')))
    .prepare('hookflow_claim_and_load_delivery_target');
}

/** Settles a delivery its subscription's transformation cancelled: no request, nothing to retry. */
export async function markCancelled(db: Database, deliveryId: string): Promise<void> {
  await db.update(deliveries).set({ status: 'cancelled', lastError: null }).where(eq(deliveries.id, deliveryId));
}

/** Notes why a delivery cannot be attempted (shown with the delivery until the next attempt). */
export async function noteDeliveryError(db: Database, deliveryId: string, why: string): Promise<void> {
  await db.update(deliveries).set({ lastError: why }).where(eq(deliveries.id, deliveryId));
}
