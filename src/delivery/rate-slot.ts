import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { subscriptions } from '../db/schema.js';

/**
 * Per-subscription rate limit shared by every worker, kept in Postgres: each send takes the next
 * free slot (`1/rate` apart). Takes a slot only when it is at most `maxWaitMs` away and returns how
 * long to wait for it; otherwise takes nothing and returns `{ throttledForMs }` so the caller can
 * wait without holding a worker slot.
 */
export async function reserveSendSlot(
  db: Database,
  subscriptionId: string,
  ratePerSecond: number,
  maxWaitMs: number,
): Promise<{ waitMs: number } | { throttledForMs: number }> {
  const spacing = sql`(${1000 / ratePerSecond} * interval '1 millisecond')`;
  const [taken] = await db
    .update(subscriptions)
    .set({ rateNextSlotAt: sql`greatest(coalesce(${subscriptions.rateNextSlotAt}, now()), now()) + ${spacing}` })
    .where(
      and(
        eq(subscriptions.id, subscriptionId),
        sql`coalesce(${subscriptions.rateNextSlotAt}, now()) <= now() + ${maxWaitMs} * interval '1 millisecond'`,
      ),
    )
    .returning({
      waitMs: sql<number>`greatest(0, extract(epoch from (${subscriptions.rateNextSlotAt} - ${spacing} - now())) * 1000)::float8`,
    });
  if (taken) return { waitMs: Number(taken.waitMs) };
  const [next] = await db
    .select({
      ms: sql<number>`greatest(0, extract(epoch from (${subscriptions.rateNextSlotAt} - now())) * 1000)::float8`,
    })
    .from(subscriptions)
    .where(eq(subscriptions.id, subscriptionId));
  return { throttledForMs: Math.max(1, Math.round(Number(next?.ms ?? 0)) - maxWaitMs / 2) };
}
