import { eq, sql } from 'drizzle-orm';
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

function prepareLoadTarget(db: Database) {
  return db
    .select({
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
    })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .leftJoin(subscriptions, eq(subscriptions.id, deliveries.subscriptionId))
    .where(eq(deliveries.id, sql.placeholder('deliveryId')))
    .prepare('hookflow_load_delivery_target');
}

/** Settles a delivery its subscription's transformation cancelled: no request, nothing to retry. */
export async function markCancelled(db: Database, deliveryId: string): Promise<void> {
  await db.update(deliveries).set({ status: 'cancelled', lastError: null }).where(eq(deliveries.id, deliveryId));
}

/** Notes why a delivery cannot be attempted (shown with the delivery until the next attempt). */
export async function noteDeliveryError(db: Database, deliveryId: string, why: string): Promise<void> {
  await db.update(deliveries).set({ lastError: why }).where(eq(deliveries.id, deliveryId));
}
