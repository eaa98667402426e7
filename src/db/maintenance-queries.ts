// The queries of the scheduled maintenance jobs (README "Endpoint health"): auto-disable, secret
// grace expiry and retention.
import { and, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { deadLetters, deliveryAttempts, events, sources, subscriptions } from './schema.js';

/** Enabled subscriptions with no 2xx for `afterMs` and at least `minFailures` failed attempts in that span. */
export async function failingSubscriptionIds(db: Database, afterMs: number, minFailures: number): Promise<string[]> {
  const span = sql`(${afterMs} * interval '1 millisecond')`;
  const rows = await db
    .select({ id: subscriptions.id })
    .from(subscriptions)
    .where(
      and(
        eq(subscriptions.enabled, true),
        sql`${subscriptions.failingSince} <= now() - ${span}`,
        sql`(${subscriptions.lastDeliveredAt} is null or ${subscriptions.lastDeliveredAt} <= now() - ${span})`,
        sql`(select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id
           where d.subscription_id = ${subscriptions.id} and a.started_at >= now() - ${span}
             and (a.status_code is null or a.status_code not between 200 and 299)) >= ${minFailures}`,
      ),
    );
  return rows.map((row) => row.id);
}

/** Disables the still-enabled ones of `ids` with reason `auto_failing`; returns those it disabled. */
export function disableAsFailing(db: Database, ids: string[]) {
  return db
    .update(subscriptions)
    .set({ enabled: false, disabledReason: 'auto_failing', updatedAt: new Date() })
    .where(and(inArray(subscriptions.id, ids), eq(subscriptions.enabled, true)))
    .returning({
      id: subscriptions.id,
      url: subscriptions.url,
      failureStreak: subscriptions.failureStreak,
      failingSince: subscriptions.failingSince,
    });
}

/** Drops previous subscription and source secrets whose grace window has ended; returns how many of each. */
export async function dropExpiredPreviousSecrets(db: Database): Promise<{ subscriptions: number; sources: number }> {
  const subs = await db
    .update(subscriptions)
    .set({ previousSecret: null, previousSecretExpiresAt: null })
    .where(sql`${subscriptions.previousSecretExpiresAt} <= now()`)
    .returning({ id: subscriptions.id });
  const srcs = await db
    .update(sources)
    .set({
      secrets: sql`(select jsonb_agg(s) from jsonb_array_elements(${sources.secrets}) s where s->>'expiresAt' is null or (s->>'expiresAt')::timestamptz > now())`,
    })
    .where(
      sql`exists (select 1 from jsonb_array_elements(${sources.secrets}) s where s->>'expiresAt' is not null and (s->>'expiresAt')::timestamptz <= now())`,
    )
    .returning({ id: sources.id });
  return { subscriptions: subs.length, sources: srcs.length };
}

/** One bounded batch of each kind of expired row; every function returns how many it deleted. */
export const purgeBatch = {
  async attempts(db: Database, cutoff: Date, limit: number): Promise<number> {
    const oldest = db
      .select({ id: deliveryAttempts.id })
      .from(deliveryAttempts)
      .where(lt(deliveryAttempts.startedAt, cutoff))
      .limit(limit);
    const deleted = await db
      .delete(deliveryAttempts)
      .where(inArray(deliveryAttempts.id, oldest))
      .returning({ id: deliveryAttempts.id });
    return deleted.length;
  },
  /** Events (their deliveries cascade) older than the cutoff, unless an open dead letter still needs them. */
  async events(db: Database, cutoff: Date, limit: number): Promise<number> {
    const oldest = db
      .select({ id: events.id })
      .from(events)
      .where(
        and(
          lt(events.receivedAt, cutoff),
          sql`not exists (select 1 from dead_letters dl where dl.event_id = ${events.id} and dl.status = 'open')`,
        ),
      )
      .limit(limit);
    const deleted = await db.delete(events).where(inArray(events.id, oldest)).returning({ id: events.id });
    return deleted.length;
  },
  /** Resolved (replayed or discarded) dead letters older than the cutoff; open ones are kept. */
  async deadLetters(db: Database, cutoff: Date, limit: number): Promise<number> {
    const oldest = db
      .select({ id: deadLetters.id })
      .from(deadLetters)
      .where(and(ne(deadLetters.status, 'open'), lt(deadLetters.createdAt, cutoff)))
      .limit(limit);
    const deleted = await db
      .delete(deadLetters)
      .where(inArray(deadLetters.id, oldest))
      .returning({ id: deadLetters.id });
    return deleted.length;
  },
};
