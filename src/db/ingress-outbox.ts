import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { EventWorkflowInput } from '../domain/workflow-io.js';
import type { Database } from './client.js';
import { events, ingressOutbox } from './schema.js';

/** The channel a spill notifies, so a relay wakes at once instead of at its next poll. */
export const OUTBOX_CHANNEL = 'hookflow_ingress_outbox';

export type OutboxRow = typeof ingressOutbox.$inferSelect;

/** The Temporal namespace and task queue a spilled webhook's workflow starts on. */
export interface OutboxTarget {
  namespace: string;
  taskQueue: string;
}

/**
 * Writes a verified webhook to the outbox, in one statement that also notifies the relays.
 * `inserted: false` means the (source, key) is known already (in the outbox or the ledger): a duplicate.
 */
export async function spillToOutbox(
  db: Database,
  input: Omit<EventWorkflowInput, 'policies'>,
  target: OutboxTarget,
): Promise<{ inserted: boolean }> {
  // drizzle has no expression for INSERT … SELECT … WHERE NOT EXISTS with a notify beside it: SQL on the schema's names.
  const rows = await db.execute<{ inserted: number }>(sql`
    with inserted as (
      insert into ${ingressOutbox} (source_id, idempotency_key, event_id, event_type, payload, payload_sha256, headers, trace_id, received_at, temporal_namespace, task_queue)
      select ${input.sourceId}, ${input.idempotencyKey}, ${input.eventId}, ${input.eventType}, ${JSON.stringify(input.payload)}::jsonb,
        ${input.payloadSha256}, ${JSON.stringify(input.headers)}::jsonb, ${input.traceId}, ${input.receivedAt}::timestamptz,
        ${target.namespace}, ${target.taskQueue}
      where not exists (
        select 1 from ${events} where ${events.sourceId} = ${input.sourceId} and ${events.idempotencyKey} = ${input.idempotencyKey}
      )
      on conflict (source_id, idempotency_key) do nothing
      returning 1
    )
    select (select count(*) from inserted)::int as inserted, pg_notify(${OUTBOX_CHANNEL}, '')`);
  return { inserted: (rows[0]?.inserted ?? 0) > 0 };
}

/** A claimed row not deleted within this is claimed again (its relay died mid-batch). */
export const CLAIM_LEASE_MS = 30_000;

/**
 * Claims up to `limit` rows for this relay's namespace and task queue, oldest first, for `CLAIM_LEASE_MS`: rows another relay holds are
 * skipped (FOR UPDATE SKIP LOCKED), and no transaction stays open while their workflows start.
 */
export async function claimOutboxRows(db: Database, target: OutboxTarget, limit: number): Promise<OutboxRow[]> {
  const claimable = db
    .select({ id: ingressOutbox.id })
    .from(ingressOutbox)
    .where(
      and(
        eq(ingressOutbox.temporalNamespace, target.namespace),
        eq(ingressOutbox.taskQueue, target.taskQueue),
        or(
          isNull(ingressOutbox.claimedAt),
          lt(ingressOutbox.claimedAt, sql`now() - (${CLAIM_LEASE_MS} * interval '1 millisecond')`),
        ),
      ),
    )
    .orderBy(asc(ingressOutbox.receivedAt), asc(ingressOutbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(ingressOutbox)
    .set({ claimedAt: sql`now()` })
    .where(inArray(ingressOutbox.id, claimable))
    .returning();
  return rows.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime() || a.id - b.id);
}

/** Deletes rows whose workflows have started; the rest are released for the next claim. */
export async function settleOutboxRows(db: Database, started: number[], released: number[]): Promise<void> {
  if (started.length) await db.delete(ingressOutbox).where(inArray(ingressOutbox.id, started));
  if (released.length)
    await db.update(ingressOutbox).set({ claimedAt: null }).where(inArray(ingressOutbox.id, released));
}

/** How many rows wait and how old the oldest is (for /metrics). */
export async function outboxBacklog(db: Database): Promise<{ depth: number; oldestAgeSeconds: number }> {
  const [row] = await db.execute<{ depth: number; oldest: number | null }>(sql`
    select count(*)::int as depth, extract(epoch from now() - min(${ingressOutbox.receivedAt}))::float8 as oldest from ${ingressOutbox}`);
  return { depth: Number(row?.depth ?? 0), oldestAgeSeconds: Number(row?.oldest ?? 0) };
}
