import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { deliveries, deliveryAttempts, subscriptions } from '../db/schema.js';

export interface AttemptRecord {
  deliveryId: string;
  subscriptionId: string;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  delivered: boolean;
}

/**
 * Writes one `delivery_attempts` row and keeps `deliveries` and the subscription's health in step,
 * in one transaction. Returns the attempt number (attempts so far, across retries and replays).
 */
export async function recordAttempt(db: Database, attempt: AttemptRecord): Promise<number> {
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(deliveries)
      .set({
        attempts: sql`${deliveries.attempts} + 1`,
        status: attempt.delivered ? 'delivered' : 'retrying',
        lastStatusCode: attempt.statusCode,
        lastError: attempt.error,
        lastAttemptAt: attempt.startedAt,
        ...(attempt.delivered ? { deliveredAt: new Date() } : {}),
      })
      .where(eq(deliveries.id, attempt.deliveryId))
      .returning({ attempts: deliveries.attempts });
    const number = row?.attempts ?? 1;
    await tx.insert(deliveryAttempts).values({
      deliveryId: attempt.deliveryId, attempt: number, startedAt: attempt.startedAt, durationMs: attempt.durationMs,
      statusCode: attempt.statusCode, error: attempt.error, responseExcerpt: attempt.responseExcerpt,
    });
    // Health bookkeeping touches the (shared, hot) subscription row only when something changes:
    // every delivery to one endpoint updating its row would serialise them on the row lock.
    if (attempt.delivered) {
      await tx
        .update(subscriptions)
        .set({ lastDeliveredAt: sql`now()`, failureStreak: 0, failingSince: null })
        .where(and(eq(subscriptions.id, attempt.subscriptionId), sql`(${subscriptions.failureStreak} <> 0 or ${subscriptions.lastDeliveredAt} is null or ${subscriptions.lastDeliveredAt} < now() - interval '1 second')`));
    } else {
      await tx
        .update(subscriptions)
        .set({ failureStreak: sql`${subscriptions.failureStreak} + 1`, failingSince: sql`coalesce(${subscriptions.failingSince}, now())` })
        .where(eq(subscriptions.id, attempt.subscriptionId));
    }
    return number;
  });
}

/**
 * The HTTP request has already gone out: keep trying to record it (about 10 s, through a short
 * PostgreSQL blip) rather than fail the activity, whose retry would send the message again.
 */
export async function recordAttemptPersistently(db: Database, attempt: AttemptRecord): Promise<number> {
  for (let delay = 250; ; delay *= 2) {
    try {
      return await recordAttempt(db, attempt);
    } catch (error) {
      if (delay > 4_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
