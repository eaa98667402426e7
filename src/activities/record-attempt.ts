import { eq, sql } from 'drizzle-orm';
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
    await tx
      .update(subscriptions)
      .set(attempt.delivered
        ? { lastDeliveredAt: sql`now()`, failureStreak: 0, failingSince: null }
        : { failureStreak: sql`${subscriptions.failureStreak} + 1`, failingSince: sql`coalesce(${subscriptions.failingSince}, now())` })
      .where(eq(subscriptions.id, attempt.subscriptionId));
    return number;
  });
}
