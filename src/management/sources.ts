import { asc, eq, gt } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { sources, type SourceSecret } from '../db/schema.js';
import type { z } from 'zod';
import type { createSourceSchema, SourceView, updateSourceSchema } from '../contracts/sources.js';

export type SourceRow = typeof sources.$inferSelect;

/** Processor options may carry credentials (e.g. the fetch processor's auth header): show names, not values. */
function redactProcessor(processor: SourceRow['processor']): SourceRow['processor'] {
  const headers = processor.headers;
  if (!headers || typeof headers !== 'object') return processor;
  return { ...processor, headers: Object.fromEntries(Object.keys(headers).map((name) => [name, '[redacted]'])) };
}

/** The public view of a source: everything but its secrets. */
export function sourceView(row: SourceRow): SourceView {
  const expiries = row.secrets
    .map((s) => s.expiresAt)
    .filter((e): e is string => e !== null)
    .sort();
  return {
    id: row.id,
    scheme: row.scheme,
    ingressUrl: `/v1/webhooks/${row.id}`,
    toleranceSeconds: row.toleranceSeconds,
    idempotencyKey: row.idempotency ?? null,
    eventType: row.eventType ?? null,
    processor: redactProcessor(row.processor),
    rateLimitPerMinute: row.rateLimitPerMinute,
    maxBodyBytes: row.maxBodyBytes,
    enabled: row.enabled,
    previousSecretsValidUntil: expiries.at(-1) ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Inserts a source; returns undefined when the id is taken. */
export async function createSource(
  db: Database,
  input: z.infer<typeof createSourceSchema>,
): Promise<SourceRow | undefined> {
  const [row] = await db
    .insert(sources)
    .values({
      id: input.id,
      scheme: input.scheme,
      secrets: [{ value: input.secret, expiresAt: null }],
      toleranceSeconds: input.toleranceSeconds,
      idempotency: input.idempotencyKey,
      eventType: input.eventType,
      processor: input.processor,
      rateLimitPerMinute: input.rateLimitPerMinute,
      maxBodyBytes: input.maxBodyBytes,
      enabled: input.enabled,
    })
    .onConflictDoNothing()
    .returning();
  return row;
}

export function findSource(db: Database, id: string): Promise<SourceRow | undefined> {
  return db.query.sources.findFirst({ where: eq(sources.id, id) });
}

/** Sources ordered by id, `limit + 1` rows after the cursor id. */
export function listSources(db: Database, limit: number, afterId?: string): Promise<SourceRow[]> {
  return db.query.sources.findMany({
    where: afterId ? gt(sources.id, afterId) : undefined,
    orderBy: asc(sources.id),
    limit: limit + 1,
  });
}

export async function updateSource(
  db: Database,
  id: string,
  patch: z.infer<typeof updateSourceSchema>,
): Promise<SourceRow | undefined> {
  const [row] = await db
    .update(sources)
    .set({
      toleranceSeconds: patch.toleranceSeconds,
      idempotency: patch.idempotencyKey,
      eventType: patch.eventType,
      processor: patch.processor,
      rateLimitPerMinute: patch.rateLimitPerMinute,
      maxBodyBytes: patch.maxBodyBytes,
      enabled: patch.enabled,
      updatedAt: new Date(),
    })
    .where(eq(sources.id, id))
    .returning();
  return row;
}

export async function deleteSource(db: Database, id: string): Promise<boolean> {
  const rows = await db.delete(sources).where(eq(sources.id, id)).returning({ id: sources.id });
  return rows.length > 0;
}

/**
 * Makes `secret` current; every secret valid until now stays valid for `graceMs` more, so
 * requests signed with the old secret keep verifying during the provider's switch-over.
 */
export async function rotateSourceSecret(
  db: Database,
  id: string,
  secret: string,
  graceMs: number,
  now = new Date(),
): Promise<SourceRow | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(sources).where(eq(sources.id, id)).for('update');
    if (!current) return undefined;
    const graceEnds = new Date(now.getTime() + graceMs).toISOString();
    const previous: SourceSecret[] = current.secrets
      .filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now)
      .map((s) => ({
        value: s.value,
        expiresAt: s.expiresAt === null || s.expiresAt > graceEnds ? graceEnds : s.expiresAt,
      }));
    const [row] = await tx
      .update(sources)
      .set({ secrets: [{ value: secret, expiresAt: null }, ...(graceMs > 0 ? previous : [])], updatedAt: now })
      .where(eq(sources.id, id))
      .returning();
    return row;
  });
}
