import { randomBytes } from 'node:crypto';
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { z } from 'zod';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { deliveries, subscriptions } from '../db/schema.js';
import type {
  createSubscriptionSchema,
  DeliverySummary,
  SubscriptionView,
  updateSubscriptionSchema,
} from '../contracts/subscriptions.js';
import type { CircuitBreakerSettings } from '../domain/delivery-policy.js';
import type { DeliveryStatus } from '../domain/vocabulary.js';
import { emitOperationalEvent } from '../temporal/operational-event-start.js';
import type { OperatorDeps } from './deps.js';
import { newId } from '../ids.js';

export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A fresh Standard Webhooks signing secret. */
export function generateSubscriptionSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The circuit-breaker settings a subscription without its own takes (config); null when off by default. */
export function defaultCircuitBreaker(
  config: Pick<Config, 'CIRCUIT_BREAKER_FAILURE_THRESHOLD' | 'CIRCUIT_BREAKER_PROBE_INTERVAL'>,
): CircuitBreakerSettings | null {
  return config.CIRCUIT_BREAKER_FAILURE_THRESHOLD > 0
    ? {
        failureThreshold: config.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
        probeInterval: `${config.CIRCUIT_BREAKER_PROBE_INTERVAL}ms`,
      }
    : null;
}

/** `subscriptionView` with the config's circuit-breaker default, for routes that show subscriptions. */
export function subscriptionViewer(config: Parameters<typeof defaultCircuitBreaker>[0]) {
  const breakerDefault = defaultCircuitBreaker(config);
  return (row: SubscriptionRow) => subscriptionView(row, breakerDefault);
}

/** The public view of a subscription: everything but its secrets. */
export function subscriptionView(
  row: SubscriptionRow,
  breakerDefault: CircuitBreakerSettings | null,
): SubscriptionView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    sourceIds: row.sourceIds,
    headers: row.headers,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    rateLimitPerSecond: row.rateLimitPerSecond,
    retryPolicy: row.retryPolicy ?? null,
    maxInFlight: row.maxInFlight,
    ordering: row.ordering,
    orderingKey: row.orderingKey ?? null,
    onDeadLetter: row.onDeadLetter,
    filter: row.filter ?? null,
    transform: row.transform ?? null,
    circuitBreaker: row.circuitBreaker === false ? null : (row.circuitBreaker ?? breakerDefault),
    pausedAt: iso(row.pausedAt),
    circuit: row.circuitOpenedAt ? 'open' : 'closed',
    previousSecretExpiresAt:
      row.previousSecret && row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date()
        ? iso(row.previousSecretExpiresAt)
        : null,
    lastDeliveredAt: iso(row.lastDeliveredAt),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function deliveryView(row: DeliveryRow): DeliverySummary {
  return {
    id: row.id,
    eventId: row.eventId,
    subscriptionId: row.subscriptionId,
    status: row.status,
    attempts: row.attempts,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    lastAttemptAt: iso(row.lastAttemptAt),
    deliveredAt: iso(row.deliveredAt),
    workflowId: row.workflowId,
    createdAt: row.createdAt.toISOString(),
  };
}

export async function createSubscription(
  db: Database,
  input: z.infer<typeof createSubscriptionSchema>,
): Promise<SubscriptionRow> {
  const [row] = await db
    .insert(subscriptions)
    .values({
      id: newId('sub'),
      url: input.url,
      description: input.description ?? null,
      eventTypes: input.eventTypes,
      sourceIds: input.sourceIds,
      headers: input.headers,
      rateLimitPerSecond: input.rateLimitPerSecond ?? null,
      retryPolicy: input.retryPolicy ?? null,
      maxInFlight: input.maxInFlight ?? null,
      ordering: input.ordering ?? 'none',
      orderingKey: input.orderingKey ?? null,
      onDeadLetter: input.onDeadLetter ?? 'block',
      filter: input.filter ?? null,
      transform: input.transform ?? null,
      circuitBreaker: input.circuitBreaker === null ? false : (input.circuitBreaker ?? null),
      secret: input.secret ?? generateSubscriptionSecret(),
    })
    .returning();
  return row!;
}

export function findSubscription(db: Database, id: string): Promise<SubscriptionRow | undefined> {
  return db.query.subscriptions.findFirst({ where: eq(subscriptions.id, id) });
}

/** Newest first by ULID id (time-ordered, unique: a stable order for cursors). */
export function listSubscriptions(db: Database, limit: number, afterId?: string): Promise<SubscriptionRow[]> {
  return db
    .select()
    .from(subscriptions)
    .where(afterId ? lt(subscriptions.id, afterId) : undefined)
    .orderBy(desc(subscriptions.id))
    .limit(limit + 1);
}

export async function updateSubscription(
  db: Database,
  id: string,
  patch: Partial<typeof subscriptions.$inferInsert>,
): Promise<SubscriptionRow | undefined> {
  const [row] = await db
    .update(subscriptions)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(subscriptions.id, id))
    .returning();
  return row;
}

/** What is wrong with a subscription's ordering settings taken together, as 400 errors (none: fine). */
export function deliveryPolicyProblems(
  policy: Pick<SubscriptionRow, 'maxInFlight' | 'ordering' | 'orderingKey'>,
): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (policy.orderingKey && policy.ordering !== 'fifo')
    problems.push({ path: '/orderingKey', message: 'needs ordering: "fifo"' });
  if (policy.ordering === 'fifo' && policy.maxInFlight !== null && policy.maxInFlight !== 1) {
    problems.push({
      path: '/maxInFlight',
      message: 'must be 1 (or absent) with ordering: "fifo", which delivers one at a time',
    });
  }
  return problems;
}

/** The fields of a PATCH body that map straight onto columns. */
export function subscriptionPatch(
  body: z.infer<typeof updateSubscriptionSchema>,
): Partial<typeof subscriptions.$inferInsert> {
  return {
    url: body.url,
    description: body.description,
    eventTypes: body.eventTypes,
    sourceIds: body.sourceIds,
    headers: body.headers,
    rateLimitPerSecond: body.rateLimitPerSecond,
    retryPolicy: body.retryPolicy,
    maxInFlight: body.maxInFlight,
    ordering: body.ordering,
    orderingKey: body.orderingKey,
    onDeadLetter: body.onDeadLetter,
    filter: body.filter,
    transform: body.transform,
    circuitBreaker: body.circuitBreaker === null ? false : body.circuitBreaker,
  };
}

/** Disables a subscription by hand and reports it as `hookflow.subscription.disabled`. */
export async function disableSubscription(deps: OperatorDeps, id: string): Promise<SubscriptionRow | undefined> {
  const row = await updateSubscription(deps.db, id, { enabled: false, disabledReason: 'manual' });
  if (!row) return undefined;
  try {
    await emitOperationalEvent(deps.starter, {
      type: 'hookflow.subscription.disabled',
      key: `${id}:${row.updatedAt.toISOString()}`,
      data: { subscriptionId: id, url: row.url, reason: 'manual' },
    });
  } catch (error) {
    // The disable itself stands; only the notification is lost, and the log says so.
    deps.logger.warn({ err: error, subscriptionId: id }, 'could not emit hookflow.subscription.disabled');
  }
  return row;
}

export async function deleteSubscription(db: Database, id: string): Promise<boolean> {
  return (
    (await db.delete(subscriptions).where(eq(subscriptions.id, id)).returning({ id: subscriptions.id })).length > 0
  );
}

/** Makes `secret` current; the old one keeps signing too (dual signatures) for `graceMs`. */
export async function rotateSubscriptionSecret(
  db: Database,
  id: string,
  secret: string,
  graceMs: number,
): Promise<SubscriptionRow | undefined> {
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(subscriptions).where(eq(subscriptions.id, id)).for('update');
    if (!current) return undefined;
    const [row] = await tx
      .update(subscriptions)
      .set({
        secret,
        previousSecret: graceMs > 0 ? current.secret : null,
        previousSecretExpiresAt: graceMs > 0 ? new Date(Date.now() + graceMs) : null,
        updatedAt: new Date(),
      })
      .where(eq(subscriptions.id, id))
      .returning();
    return row;
  });
}

/** A subscription's deliveries, newest first, optionally by status. */
export function listSubscriptionDeliveries(
  db: Database,
  subscriptionId: string,
  limit: number,
  status?: DeliveryStatus,
  afterId?: string,
): Promise<DeliveryRow[]> {
  const conditions: SQL[] = [eq(deliveries.subscriptionId, subscriptionId)];
  if (status) conditions.push(eq(deliveries.status, status));
  if (afterId) conditions.push(lt(deliveries.id, afterId));
  return db
    .select()
    .from(deliveries)
    .where(and(...conditions))
    .orderBy(desc(deliveries.id))
    .limit(limit + 1);
}
