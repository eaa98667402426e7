import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import type { PgDialect } from 'drizzle-orm/pg-core';
import type { Database } from '../db/client.js';
import { deliveries, deliveryAttempts, subscriptions } from '../db/schema.js';

export interface AttemptRecord {
  deliveryId: string;
  subscriptionId: string;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseExcerpt: string | null;
  delivered: boolean;
  /** The body as sent: its size in bytes and SHA-256 (hex). */
  bodyBytes: number;
  bodySha256: string;
  /**
   * The subscription's circuit breaker in force, and whether this attempt's failure is one that counts
   * (retryable): the failure that makes the streak reach the threshold opens the circuit.
   */
  circuit?: { failureThreshold: number; probeIntervalMs: number; countsFailure: boolean } | undefined;
}

/** What recording an attempt did: its number, whether it opened or closed the subscription's circuit, and whether the circuit is open now. */
export interface RecordedAttempt {
  attempt: number;
  circuit?: { change: 'opened' | 'closed'; openedAt: Date } | undefined;
  /** A failure found the circuit open once recorded (it opened it, or another lane's failure did meanwhile). */
  circuitOpen: boolean;
}

/** The statement's values, by placeholder name. */
function valuesOf(attempt: AttemptRecord): Record<string, unknown> {
  return {
    deliveryId: attempt.deliveryId,
    subscriptionId: attempt.subscriptionId,
    status: attempt.delivered ? 'delivered' : 'retrying',
    statusCode: attempt.statusCode,
    error: attempt.error,
    startedAt: attempt.startedAt.toISOString(),
    durationMs: attempt.durationMs,
    responseExcerpt: attempt.responseExcerpt,
    bodyBytes: attempt.bodyBytes,
    bodySha256: attempt.bodySha256,
    failureThreshold: attempt.circuit?.failureThreshold ?? 0,
    probeIntervalMs: attempt.circuit?.probeIntervalMs ?? 0,
  };
}

type Variant = 'delivered' | 'failed' | 'failedCounting';

const variantOf = (attempt: AttemptRecord): Variant =>
  attempt.delivered ? 'delivered' : attempt.circuit?.countsFailure ? 'failedCounting' : 'failed';

const placeholder = (name: string) => sql.placeholder(name);

/**
 * The statement of one variant, with placeholders for every value. Its shape depends only on the
 * variant, so its text is built once per pool and postgres.js reuses the server-side plan: building
 * it on every attempt showed in the worker's profile.
 */
function statementOf(variant: Variant): SQL {
  const delivered = variant === 'delivered';
  const health = delivered ? healthAfterSuccess() : healthAfterFailure(variant === 'failedCounting');
  // drizzle has no expression for an INSERT … SELECT over an UPDATE … RETURNING: written as SQL on the schema's names.
  return sql`
    with bumped as (
      update ${deliveries} set
        ${sql.identifier(deliveries.attempts.name)} = ${deliveries.attempts} + 1,
        ${sql.identifier(deliveries.status.name)} = ${placeholder('status')},
        ${sql.identifier(deliveries.lastStatusCode.name)} = ${placeholder('statusCode')}::integer,
        ${sql.identifier(deliveries.lastError.name)} = ${placeholder('error')}::text,
        ${sql.identifier(deliveries.lastAttemptAt.name)} = ${placeholder('startedAt')}::timestamptz,
        ${sql.identifier(deliveries.deliveredAt.name)} = ${delivered ? sql`now()` : deliveries.deliveredAt},
        ${sql.identifier(deliveries.sendingUntil.name)} = null
      where ${deliveries.id} = ${placeholder('deliveryId')}
      returning ${deliveries.attempts} as attempts
    ),
    health as (${health}),
    inserted as (
      insert into ${deliveryAttempts} (delivery_id, attempt, started_at, duration_ms, status_code, error, response_excerpt, body_bytes, body_sha256)
      select ${placeholder('deliveryId')}, bumped.attempts, ${placeholder('startedAt')}::timestamptz, ${placeholder('durationMs')}::integer,
        ${placeholder('statusCode')}::integer, ${placeholder('error')}::text, ${placeholder('responseExcerpt')}::text,
        ${placeholder('bodyBytes')}::integer, ${placeholder('bodySha256')}::text
      from bumped
      returning ${sql.identifier(deliveryAttempts.attempt.name)} as attempt
    )
    select inserted.attempt, (select circuit_change from health) as circuit_change, (select opened_at from health) as opened_at,
      (select circuit_open from health) as circuit_open
    from inserted`;
}

interface Compiled {
  text: string;
  params: unknown[];
}

const compiledByPool = new WeakMap<Database, Map<Variant, Compiled>>();

function compiled(db: Database, variant: Variant): Compiled {
  let variants = compiledByPool.get(db);
  if (!variants) compiledByPool.set(db, (variants = new Map()));
  let statement = variants.get(variant);
  if (!statement) {
    const query = (db as unknown as { dialect: PgDialect }).dialect.sqlToQuery(statementOf(variant));
    variants.set(variant, (statement = { text: query.sql, params: query.params }));
  }
  return statement;
}

/**
 * Writes one `delivery_attempts` row and keeps `deliveries` and the subscription's health in step,
 * in one statement (data-modifying CTEs, so one round trip and atomic without a transaction).
 * Returns the attempt number (attempts so far, across retries and replays).
 */
export async function recordAttempt(db: Database, attempt: AttemptRecord): Promise<RecordedAttempt> {
  const statement = compiled(db, variantOf(attempt));
  const rows = (await db.$client.unsafe(
    statement.text,
    fillPlaceholders(statement.params, valuesOf(attempt)) as never[],
    { prepare: true },
  )) as unknown as {
    attempt: number;
    circuit_change: 'opened' | 'closed' | null;
    opened_at: string | Date | null;
    circuit_open: boolean | null;
  }[];
  const row = rows[0];
  return {
    attempt: row?.attempt ?? 1,
    circuit: row?.circuit_change ? { change: row.circuit_change, openedAt: new Date(row.opened_at!) } : undefined,
    circuitOpen: row?.circuit_open === true,
  };
}

const column = (c: { name: string }) => sql.identifier(c.name);

/**
 * A 2xx resets the failure streak and closes an open circuit (README "Pause and circuit breaker").
 * Health bookkeeping touches the (shared, hot) subscription row only when something changes: every
 * delivery to one endpoint updating its row would serialise them on the row lock.
 */
function healthAfterSuccess() {
  return sql`update ${subscriptions} set ${column(subscriptions.lastDeliveredAt)} = now(), ${column(subscriptions.failureStreak)} = 0,
      ${column(subscriptions.failingSince)} = null, ${column(subscriptions.circuitOpenedAt)} = null,
      ${column(subscriptions.circuitNextProbeAt)} = null
    from (select ${subscriptions.id} as id, ${subscriptions.circuitOpenedAt} as opened_at from ${subscriptions}
          where ${subscriptions.id} = ${placeholder('subscriptionId')}) prior
    where ${subscriptions.id} = prior.id
      and (${subscriptions.failureStreak} <> 0 or ${subscriptions.lastDeliveredAt} is null
           or ${subscriptions.lastDeliveredAt} < now() - interval '1 second' or ${subscriptions.circuitOpenedAt} is not null)
    returning case when prior.opened_at is not null then 'closed' end as circuit_change, prior.opened_at as opened_at,
      false as circuit_open`;
}

/** A failure extends the streak; with `counting`, the one that makes it reach the threshold opens the circuit. */
function healthAfterFailure(counting: boolean) {
  const opens = counting
    ? sql`(${subscriptions.circuitOpenedAt} is null and ${subscriptions.failureStreak} + 1 >= ${placeholder('failureThreshold')}::integer)`
    : sql`false`;
  const probeAfter = sql`now() + ${placeholder('probeIntervalMs')}::integer * interval '1 millisecond'`;
  return sql`update ${subscriptions} set ${column(subscriptions.failureStreak)} = ${subscriptions.failureStreak} + 1,
      ${column(subscriptions.failingSince)} = coalesce(${subscriptions.failingSince}, now()),
      ${column(subscriptions.circuitOpenedAt)} = case when ${opens} then now() else ${subscriptions.circuitOpenedAt} end,
      ${column(subscriptions.circuitNextProbeAt)} = case when ${opens} then ${probeAfter} else ${subscriptions.circuitNextProbeAt} end
    where ${subscriptions.id} = ${placeholder('subscriptionId')}
    returning case when ${subscriptions.circuitOpenedAt} = now() then 'opened' end as circuit_change,
      ${subscriptions.circuitOpenedAt} as opened_at, ${subscriptions.circuitOpenedAt} is not null as circuit_open`;
}

/**
 * The HTTP request has already gone out: keep trying to record it (about 10 s, through a short
 * PostgreSQL blip) rather than fail the activity, whose retry would send the message again.
 */
export async function recordAttemptPersistently(db: Database, attempt: AttemptRecord): Promise<RecordedAttempt> {
  for (let delay = 250; ; delay *= 2) {
    try {
      return await recordAttempt(db, attempt);
    } catch (error) {
      if (delay > 4_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
