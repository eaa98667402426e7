// The deliveries a recovery resends (README "Recover a time window"): one subscription's, of events
// accepted in a window, in acceptance order (received_at, then event id), a page at a time.
import { and, asc, count, eq, gt, gte, lt, or, type SQL } from 'drizzle-orm';
import type { RecoverCursor, RecoverScope } from '../domain/workflow-io.js';
import type { Database } from './client.js';
import { deliveries, events } from './schema.js';

export interface RecoverWindow {
  subscriptionId: string;
  since: Date;
  until: Date;
  scope: RecoverScope;
  after: RecoverCursor | null;
  limit: number;
}

function windowConditions(window: Omit<RecoverWindow, 'after' | 'limit'>): (SQL | undefined)[] {
  return [
    eq(deliveries.subscriptionId, window.subscriptionId),
    gte(events.receivedAt, window.since),
    lt(events.receivedAt, window.until),
    window.scope === 'failed' ? eq(deliveries.status, 'dead_lettered') : undefined,
  ];
}

/** How many deliveries the window holds now (a recovery's expected size). */
export async function countDeliveriesInWindow(
  db: Database,
  window: Omit<RecoverWindow, 'after' | 'limit'>,
): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .where(and(...windowConditions(window)));
  return row?.n ?? 0;
}

/** The next page of the window's deliveries, after `after`. */
export function deliveriesInWindow(db: Database, window: RecoverWindow) {
  const conditions = windowConditions(window);
  if (window.after) {
    const at = new Date(window.after.receivedAt);
    conditions.push(or(gt(events.receivedAt, at), and(eq(events.receivedAt, at), gt(events.id, window.after.eventId))));
  }
  return db
    .select({ eventId: events.id, receivedAt: events.receivedAt, deliveryId: deliveries.id })
    .from(deliveries)
    .innerJoin(events, eq(events.id, deliveries.eventId))
    .where(and(...conditions))
    .orderBy(asc(events.receivedAt), asc(events.id))
    .limit(window.limit);
}
