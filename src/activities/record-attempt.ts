import { sql } from 'drizzle-orm';
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
  /** The body as sent: its size in bytes and SHA-256 (hex). */
  bodyBytes: number;
  bodySha256: string;
}

/**
 * Writes one `delivery_attempts` row and keeps `deliveries` and the subscription's health in step,
 * in one statement (data-modifying CTEs, so one round trip and atomic without a transaction).
 * Returns the attempt number (attempts so far, across retries and replays).
 */
export async function recordAttempt(db: Database, attempt: AttemptRecord): Promise<number> {
  // Health bookkeeping touches the (shared, hot) subscription row only when something changes:
  // every delivery to one endpoint updating its row would serialise them on the row lock.
  const health = attempt.delivered
    ? sql`update ${subscriptions} set ${sql.identifier(subscriptions.lastDeliveredAt.name)} = now(), ${sql.identifier(subscriptions.failureStreak.name)} = 0,
          ${sql.identifier(subscriptions.failingSince.name)} = null
        where ${subscriptions.id} = ${attempt.subscriptionId}
          and (${subscriptions.failureStreak} <> 0 or ${subscriptions.lastDeliveredAt} is null or ${subscriptions.lastDeliveredAt} < now() - interval '1 second')`
    : sql`update ${subscriptions} set ${sql.identifier(subscriptions.failureStreak.name)} = ${subscriptions.failureStreak} + 1,
          ${sql.identifier(subscriptions.failingSince.name)} = coalesce(${subscriptions.failingSince}, now())
        where ${subscriptions.id} = ${attempt.subscriptionId}`;
  // drizzle has no expression for an INSERT … SELECT over an UPDATE … RETURNING: written as SQL on the schema's names.
  const rows = await db.execute<{ attempt: number }>(sql`
    with bumped as (
      update ${deliveries} set
        ${sql.identifier(deliveries.attempts.name)} = ${deliveries.attempts} + 1,
        ${sql.identifier(deliveries.status.name)} = ${attempt.delivered ? 'delivered' : 'retrying'},
        ${sql.identifier(deliveries.lastStatusCode.name)} = ${attempt.statusCode},
        ${sql.identifier(deliveries.lastError.name)} = ${attempt.error},
        ${sql.identifier(deliveries.lastAttemptAt.name)} = ${attempt.startedAt.toISOString()}::timestamptz,
        ${sql.identifier(deliveries.deliveredAt.name)} = ${attempt.delivered ? sql`now()` : deliveries.deliveredAt}
      where ${deliveries.id} = ${attempt.deliveryId}
      returning ${deliveries.attempts} as attempts
    ),
    health as (${health} returning 1)
    insert into ${deliveryAttempts} (delivery_id, attempt, started_at, duration_ms, status_code, error, response_excerpt, body_bytes, body_sha256)
    select ${attempt.deliveryId}, bumped.attempts, ${attempt.startedAt.toISOString()}::timestamptz, ${attempt.durationMs}, ${attempt.statusCode},
      ${attempt.error}, ${attempt.responseExcerpt}, ${attempt.bodyBytes}, ${attempt.bodySha256}
    from bumped
    returning ${sql.identifier(deliveryAttempts.attempt.name)} as attempt`);
  return rows[0]?.attempt ?? 1;
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
