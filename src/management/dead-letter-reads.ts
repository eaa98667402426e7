import { and, desc, eq, gte, lt, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { Database } from '../db/client.js';
import { deadLetters } from '../db/schema.js';
import type { DeadLetterView, deadLetterFilterSchema } from '../contracts/events.js';

export type DeadLetterRow = typeof deadLetters.$inferSelect;
export type DeadLetterFilter = z.infer<typeof deadLetterFilterSchema>;

export function deadLetterView(row: DeadLetterRow): DeadLetterView {
  return {
    id: row.id,
    stage: row.stage,
    eventId: row.eventId,
    deliveryId: row.deliveryId,
    subscriptionId: row.subscriptionId,
    sourceId: row.sourceId,
    reason: row.reason,
    lastError: row.lastError,
    attempts: row.attempts,
    status: row.status,
    replayCount: row.replayCount,
    workflowId: row.workflowId,
    createdAt: row.createdAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

function filterConditions(filter: DeadLetterFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(deadLetters.status, filter.status));
  if (filter.subscriptionId) conditions.push(eq(deadLetters.subscriptionId, filter.subscriptionId));
  if (filter.sourceId) conditions.push(eq(deadLetters.sourceId, filter.sourceId));
  if (filter.reason) conditions.push(eq(deadLetters.reason, filter.reason));
  if (filter.since) conditions.push(gte(deadLetters.createdAt, new Date(filter.since)));
  return conditions;
}

/** Dead letters newest first by ULID id. */
export function listDeadLetters(
  db: Database,
  filter: DeadLetterFilter,
  limit: number,
  afterId?: string,
): Promise<DeadLetterRow[]> {
  const conditions = filterConditions(filter);
  if (afterId) conditions.push(lt(deadLetters.id, afterId));
  return db
    .select()
    .from(deadLetters)
    .where(and(...conditions))
    .orderBy(desc(deadLetters.id))
    .limit(limit + 1);
}

export function findDeadLetter(db: Database, id: string): Promise<DeadLetterRow | undefined> {
  return db.query.deadLetters.findFirst({ where: eq(deadLetters.id, id) });
}

/** Every open dead letter matching the filter (for bulk replay), oldest first, bounded. */
export function openDeadLetters(db: Database, filter: DeadLetterFilter, max = 10_000): Promise<DeadLetterRow[]> {
  return db
    .select()
    .from(deadLetters)
    .where(and(eq(deadLetters.status, 'open'), ...filterConditions(filter)))
    .orderBy(deadLetters.id)
    .limit(max);
}
