// The queries of a subscription's pause and circuit breaker (README "Pause and circuit breaker").
import { and, eq, isNotNull, isNull, lte, or, sql } from 'drizzle-orm';
import type { Database } from './client.js';
import { subscriptions } from './schema.js';

/**
 * Claims the open circuit's next probe: true for exactly one caller per probe interval (the row
 * update is the lock), which then makes the attempt that may close the circuit.
 */
export async function claimProbe(db: Database, subscriptionId: string, probeIntervalMs: number): Promise<boolean> {
  const claimed = await db
    .update(subscriptions)
    .set({ circuitNextProbeAt: sql`now() + ${probeIntervalMs} * interval '1 millisecond'` })
    .where(
      and(
        eq(subscriptions.id, subscriptionId),
        isNotNull(subscriptions.circuitOpenedAt),
        or(isNull(subscriptions.circuitNextProbeAt), lte(subscriptions.circuitNextProbeAt, sql`now()`)),
      ),
    )
    .returning({ id: subscriptions.id });
  return claimed.length > 0;
}

/** Pauses a subscription (keeping the first pause time); undefined when it does not exist. */
export async function pauseSubscription(db: Database, id: string) {
  const [row] = await db
    .update(subscriptions)
    .set({ pausedAt: sql`coalesce(${subscriptions.pausedAt}, now())`, updatedAt: new Date() })
    .where(eq(subscriptions.id, id))
    .returning();
  return row;
}

/** Resumes a paused subscription; undefined when it does not exist. */
export async function resumeSubscription(db: Database, id: string) {
  const [row] = await db
    .update(subscriptions)
    .set({ pausedAt: null, updatedAt: new Date() })
    .where(eq(subscriptions.id, id))
    .returning();
  return row;
}
