import { and, asc, eq, inArray, isNotNull, isNull, lt, or, sql } from 'drizzle-orm';
import type { EventData } from '../domain/workflow-io.js';
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

/** The outbox target a process's configuration names. */
export const outboxTargetOf = (config: { TEMPORAL_NAMESPACE: string; TEMPORAL_TASK_QUEUE: string }): OutboxTarget => ({
  namespace: config.TEMPORAL_NAMESPACE,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
});

/** Outbox rows that start on `target` (a relay's, or a dispatcher's queue). */
export const rowsFor = (target: OutboxTarget) =>
  and(eq(ingressOutbox.temporalNamespace, target.namespace), eq(ingressOutbox.taskQueue, target.taskQueue));

/** The payload a spill notifies with: only the relays of that namespace and task queue wake for it. */
export const outboxNotice = (target: OutboxTarget) => JSON.stringify([target.namespace, target.taskQueue]);

/** A spilled webhook as the outbox statement reads it (one element of its JSON parameter). */
export type OutboxRowInput = EventData;

/** The JSON of one row for `spillToOutbox`, serialised once per webhook (its length sizes batches). */
export function outboxRowJson(input: OutboxRowInput): string {
  return JSON.stringify({
    source_id: input.sourceId,
    idempotency_key: input.idempotencyKey,
    event_id: input.eventId,
    event_type: input.eventType,
    payload: input.payload,
    payload_sha256: input.payloadSha256,
    headers: input.headers,
    trace_id: input.traceId,
    received_at: input.receivedAt,
  });
}

/** The key the outbox and the ledger share, as one string. */
export const outboxKey = (sourceId: string, idempotencyKey: string) => `${sourceId}\u0000${idempotencyKey}`;

/**
 * Writes verified webhooks (each `outboxRowJson`, distinct keys) to the outbox in ONE statement that
 * also notifies the relays once: one round trip and one commit for the whole batch. Returns the
 * keys (`outboxKey`) it inserted; a key left out was known already (in the outbox or the ledger): a duplicate.
 */
export async function spillToOutbox(db: Database, rowsJson: string[], target: OutboxTarget): Promise<Set<string>> {
  // drizzle has no expression for INSERT … SELECT FROM jsonb_to_recordset … WHERE NOT EXISTS with a
  // notify beside it: SQL on the schema's names.
  const [result] = await db.execute<{ keys: [string, string][] }>(sql`
    with input as (
      select * from jsonb_to_recordset(${`[${rowsJson.join(',')}]`}::jsonb) as r(
        source_id text, idempotency_key text, event_id text, event_type text, payload jsonb,
        payload_sha256 text, headers jsonb, trace_id text, received_at timestamptz)
    ), inserted as (
      insert into ${ingressOutbox} (source_id, idempotency_key, event_id, event_type, payload, payload_sha256, headers, trace_id, received_at, temporal_namespace, task_queue)
      select i.source_id, i.idempotency_key, i.event_id, i.event_type, i.payload, i.payload_sha256, i.headers,
        i.trace_id, i.received_at, ${target.namespace}, ${target.taskQueue}
      from input i
      where not exists (
        select 1 from ${events} where ${events.sourceId} = i.source_id and ${events.idempotencyKey} = i.idempotency_key
      )
      on conflict (source_id, idempotency_key) do nothing
      returning source_id, idempotency_key
    )
    select coalesce(json_agg(json_build_array(source_id, idempotency_key)), '[]'::json) as keys,
      pg_notify(${OUTBOX_CHANNEL}, ${outboxNotice(target)})
    from inserted`);
  return new Set((result?.keys ?? []).map(([sourceId, key]) => outboxKey(sourceId, key)));
}

/** A claimed row not marked started within this is claimed again (its relay died mid-batch). */
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
        rowsFor(target),
        isNull(ingressOutbox.startedAt),
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

/**
 * Marks rows whose workflows have started (each stays until its workflow has written the ledger row:
 * `removeRecordedOutboxRow`); the rest are released for the next claim.
 */
export async function settleOutboxRows(db: Database, started: number[], released: number[]): Promise<void> {
  if (started.length)
    await db
      .update(ingressOutbox)
      .set({ startedAt: sql`now()` })
      .where(inArray(ingressOutbox.id, started));
  if (released.length)
    await db.update(ingressOutbox).set({ claimedAt: null }).where(inArray(ingressOutbox.id, released));
}

/** An outbox row whose key the `events` ledger already has: its workflow has recorded the event. */
export const recordedInLedger = sql`exists (select 1 from ${events} where ${events.sourceId} = ${ingressOutbox.sourceId} and ${events.idempotencyKey} = ${ingressOutbox.idempotencyKey})`;

/** Called by recordEvent once the ledger row of a relayed webhook exists: its outbox row has done its job. */
export async function removeRecordedOutboxRow(db: Database, sourceId: string, idempotencyKey: string): Promise<void> {
  await db
    .delete(ingressOutbox)
    .where(and(eq(ingressOutbox.sourceId, sourceId), eq(ingressOutbox.idempotencyKey, idempotencyKey)));
}

/**
 * A started row older than this is removed even if its workflow never wrote the ledger row (it was
 * terminated first): by then a FIFO dispatcher no longer waits for it either (the floor's give-up).
 */
export const STARTED_ROW_TTL_MS = 10 * 60_000;

/**
 * Removes started rows that nothing will remove: a key whose workflow had already recorded it when
 * this row was started (a duplicate spilled beside a direct start), or one past `STARTED_ROW_TTL_MS`.
 * Returns how many it removed.
 */
export async function sweepStartedOutboxRows(db: Database, target: OutboxTarget): Promise<number> {
  const removed = await db
    .delete(ingressOutbox)
    .where(
      and(
        rowsFor(target),
        isNotNull(ingressOutbox.startedAt),
        or(
          lt(ingressOutbox.startedAt, sql`now() - (${STARTED_ROW_TTL_MS} * interval '1 millisecond')`),
          recordedInLedger,
        ),
      ),
    )
    .returning({ id: ingressOutbox.id });
  return removed.length;
}

/**
 * How many rows wait for their workflow start and how old the oldest is, and how many have started
 * but their workflow has not yet written the ledger row (for /metrics).
 */
export async function outboxBacklog(
  db: Database,
): Promise<{ depth: number; oldestAgeSeconds: number; startedNotRecorded: number }> {
  const [row] = await db.execute<{ depth: number; oldest: number | null; started: number }>(sql`
    select count(*) filter (where ${ingressOutbox.startedAt} is null)::int as depth,
      extract(epoch from now() - min(${ingressOutbox.receivedAt}) filter (where ${ingressOutbox.startedAt} is null))::float8 as oldest,
      count(*) filter (where ${ingressOutbox.startedAt} is not null)::int as started
    from ${ingressOutbox}`);
  return {
    depth: Number(row?.depth ?? 0),
    oldestAgeSeconds: Number(row?.oldest ?? 0),
    startedNotRecorded: Number(row?.started ?? 0),
  };
}
