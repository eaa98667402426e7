import { and, asc, desc, eq, gte, inArray, lt, or, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '../db/client.js';
import { deliveries, deliveryAttempts, events } from '../db/schema.js';
import type { EventDetail, eventFilterSchema } from '../contracts/events.js';

export type EventRow = typeof events.$inferSelect;

export function eventSummary(row: EventRow) {
  return {
    id: row.id,
    sourceId: row.sourceId,
    idempotencyKey: row.idempotencyKey,
    eventType: row.eventType,
    status: row.status,
    receivedAt: row.receivedAt.toISOString(),
    workflowId: row.workflowId,
  };
}

/** Events newest first by (receivedAt, id); receivedAt has millisecond precision, so the cursor is exact. */
export function listEvents(
  db: Database,
  filter: z.infer<typeof eventFilterSchema>,
  limit: number,
  after?: [string, string],
): Promise<EventRow[]> {
  const conditions: SQL[] = [];
  if (filter.sourceId) conditions.push(eq(events.sourceId, filter.sourceId));
  if (filter.status) conditions.push(eq(events.status, filter.status));
  if (filter.eventType) conditions.push(eq(events.eventType, filter.eventType));
  if (filter.since) conditions.push(gte(events.receivedAt, new Date(filter.since)));
  if (after) {
    const at = new Date(after[0]);
    conditions.push(or(lt(events.receivedAt, at), and(eq(events.receivedAt, at), lt(events.id, after[1])))!);
  }
  return db
    .select()
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.receivedAt), desc(events.id))
    .limit(limit + 1);
}

/** An event with its deliveries and every attempt of each. */
export async function eventDetail(db: Database, id: string): Promise<EventDetail | undefined> {
  const event = await db.query.events.findFirst({ where: eq(events.id, id) });
  if (!event) return undefined;
  const rows = await db.select().from(deliveries).where(eq(deliveries.eventId, id)).orderBy(asc(deliveries.id));
  const attempts = rows.length
    ? await db
        .select()
        .from(deliveryAttempts)
        .where(
          inArray(
            deliveryAttempts.deliveryId,
            rows.map((d) => d.id),
          ),
        )
        .orderBy(asc(deliveryAttempts.attempt))
    : [];
  return {
    ...eventSummary(event),
    payload: event.payload,
    deliveries: rows.map((d) => ({
      id: d.id,
      subscriptionId: d.subscriptionId,
      status: d.status,
      workflowId: d.workflowId,
      attempts: attempts
        .filter((a) => a.deliveryId === d.id)
        .map((a) => ({
          attempt: a.attempt,
          statusCode: a.statusCode,
          error: a.error,
          durationMs: a.durationMs,
          startedAt: a.startedAt.toISOString(),
          responseExcerpt: a.responseExcerpt,
          bodyBytes: a.bodyBytes,
          bodySha256: a.bodySha256,
        })),
    })),
    filteredOut: event.filteredOut,
  };
}
