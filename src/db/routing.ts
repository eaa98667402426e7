// The queries of an event's processing and routing: the stored event and its source's processor,
// the candidate subscriptions, and the delivery rows routing creates.
import { eq, sql } from 'drizzle-orm';
import { preparedOnce, type Database } from './client.js';
import { deliveries, events, sources, subscriptions } from './schema.js';

export type StoredEvent = typeof events.$inferSelect;

/** The event and its source's processor (passthrough when the source has none or is gone). */
export async function loadEventToProcess(db: Database, eventId: string) {
  const event = await db.query.events.findFirst({ where: eq(events.id, eventId) });
  if (!event) return undefined;
  return { event, processor: await sourceProcessor(db, event.sourceId) };
}

/** The processor of a source (passthrough when it has none or is gone). */
export async function sourceProcessor(db: Database, sourceId: string) {
  const [source] = await preparedOnce(db, prepareSourceProcessor).execute({ sourceId });
  return source?.processor ?? { name: 'passthrough' as const };
}

const prepareSourceProcessor = (db: Database) =>
  db
    .select({ processor: sources.processor })
    .from(sources)
    .where(eq(sources.id, sql.placeholder('sourceId')))
    .prepare('hookflow_source_processor');

export async function storeProcessedPayload(db: Database, eventId: string, processed: unknown): Promise<void> {
  await db
    .update(events)
    .set({ processedPayload: processed as object })
    .where(eq(events.id, eventId));
}

/** Every enabled subscription, with what matching and its lane policy need (a statement prepared once per pool). */
export function enabledSubscriptions(db: Database) {
  return preparedOnce(db, prepareEnabledSubscriptions).execute();
}

function prepareEnabledSubscriptions(db: Database) {
  return db
    .select({
      id: subscriptions.id,
      url: subscriptions.url,
      enabled: subscriptions.enabled,
      eventTypes: subscriptions.eventTypes,
      sourceIds: subscriptions.sourceIds,
      retryPolicy: subscriptions.retryPolicy,
      maxInFlight: subscriptions.maxInFlight,
      ordering: subscriptions.ordering,
      orderingKey: subscriptions.orderingKey,
      onDeadLetter: subscriptions.onDeadLetter,
      filter: subscriptions.filter,
    })
    .from(subscriptions)
    .where(eq(subscriptions.enabled, true))
    .prepare('hookflow_enabled_subscriptions');
}

/** One delivery row to create at routing. */
export interface RoutedRow {
  id: string;
  eventId: string;
  subscriptionId: string;
  workflowId: string;
  orderingQueue: string | null;
}

/**
 * Creates the event's delivery rows and marks it `dispatched` (or `skipped` with none), noting the
 * subscriptions whose filter rejected it. A retried activity finds the rows its first try created:
 * the no-op update makes RETURNING answer for existing rows too, so one statement serves both.
 * Returns each subscription's delivery id.
 */
export async function createDeliveries(
  db: Database,
  eventId: string,
  rows: RoutedRow[],
  filteredOut: string[] = [],
): Promise<Map<string, string>> {
  // Independent statements, sent together: one round trip's wait instead of two.
  const [created] = await Promise.all([
    rows.length
      ? db
          .insert(deliveries)
          .values(rows)
          .onConflictDoUpdate({
            target: [deliveries.eventId, deliveries.subscriptionId],
            set: { eventId: sql`excluded.event_id` },
          })
          .returning({ id: deliveries.id, subscriptionId: deliveries.subscriptionId })
      : Promise.resolve([]),
    db
      .update(events)
      .set({ status: rows.length ? 'dispatched' : 'skipped', filteredOut })
      .where(eq(events.id, eventId)),
  ]);
  return new Map(created.map((r) => [r.subscriptionId, r.id]));
}
