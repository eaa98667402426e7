import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import {
  type CircuitBreakerSettings,
  onDeadLetterModes,
  orderingModes,
  type OrderingKeySource,
  type SubscriptionRetryPolicy,
} from '../domain/delivery-policy.js';
import {
  deadLetterReasons,
  deadLetterStages,
  deadLetterStatuses,
  deliveryStatuses,
  disabledReasons,
  eventStatuses,
  schemeNames,
  type ProcessorName,
} from '../domain/vocabulary.js';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** A signing secret that stays valid until `expiresAt` (null = current). */
export interface SourceSecret {
  value: string;
  expiresAt: string | null;
}

/** Where an idempotency key or event type is read from when the scheme's default does not fit. */
export type Extraction = { header: string } | { pointer: string };

export interface ProcessorConfig {
  name: ProcessorName;
  [option: string]: unknown;
}

export const sources = pgTable('sources', {
  id: text('id').primaryKey(),
  scheme: text('scheme', { enum: schemeNames }).notNull(),
  secrets: jsonb('secrets').$type<SourceSecret[]>().notNull(),
  toleranceSeconds: integer('tolerance_seconds').notNull().default(300),
  idempotency: jsonb('idempotency').$type<Extraction>(),
  eventType: jsonb('event_type').$type<Extraction>(),
  processor: jsonb('processor').$type<ProcessorConfig>().notNull().default({ name: 'passthrough' }),
  rateLimitPerMinute: integer('rate_limit_per_minute'),
  maxBodyBytes: integer('max_body_bytes').notNull().default(262_144),
  enabled: boolean('enabled').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const subscriptions = pgTable('subscriptions', {
  id: text('id').primaryKey(),
  url: text('url').notNull(),
  description: text('description'),
  eventTypes: text('event_types')
    .array()
    .notNull()
    .default(sql`'{*}'::text[]`),
  sourceIds: text('source_ids')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  secret: text('secret').notNull(),
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
  enabled: boolean('enabled').notNull().default(true),
  disabledReason: text('disabled_reason', { enum: disabledReasons }),
  headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
  rateLimitPerSecond: integer('rate_limit_per_second'),
  // Per-subscription rate limit shared by every worker: the next free send slot.
  rateNextSlotAt: timestamp('rate_next_slot_at', { withTimezone: true }),
  // The delivery policy (README "Delivery policies (per subscription)"); null = the defaults from config.
  retryPolicy: jsonb('retry_policy').$type<SubscriptionRetryPolicy>(),
  maxInFlight: integer('max_in_flight'),
  ordering: text('ordering', { enum: orderingModes }).notNull().default('none'),
  orderingKey: jsonb('ordering_key').$type<OrderingKeySource>(),
  onDeadLetter: text('on_dead_letter', { enum: onDeadLetterModes }).notNull().default('block'),
  // README "Payload filters" and "Transformations": a predicate over the envelope, a JSONata expression.
  filter: jsonb('filter').$type<Record<string, unknown>>(),
  transform: text('transform'),
  // README "Pause and circuit breaker": set while an operator holds the lanes; circuitBreaker null = the
  // defaults from config, false = off.
  pausedAt: timestamp('paused_at', { withTimezone: true }),
  circuitBreaker: jsonb('circuit_breaker').$type<CircuitBreakerSettings | false>(),
  circuitOpenedAt: timestamp('circuit_opened_at', { withTimezone: true }),
  // While the circuit is open: when the next probe attempt may go out (claimed by one lane at a time).
  circuitNextProbeAt: timestamp('circuit_next_probe_at', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  lastDeliveredAt: timestamp('last_delivered_at', { withTimezone: true }),
  // Failure streak bookkeeping for auto-disable: failures since the last 2xx.
  failureStreak: integer('failure_streak').notNull().default(0),
  failingSince: timestamp('failing_since', { withTimezone: true }),
});

export const events = pgTable(
  'events',
  {
    id: text('id').primaryKey(),
    sourceId: text('source_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').notNull(),
    // What the source's processor produced; null means the payload is delivered as received.
    processedPayload: jsonb('processed_payload'),
    payloadSha256: text('payload_sha256').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    // Subscriptions that matched the event's type and source but whose filter rejected it.
    filteredOut: text('filtered_out')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    status: text('status', { enum: eventStatuses }).notNull().default('received'),
    workflowId: text('workflow_id').notNull(),
    // The run that recorded the event: a retried recordEvent recognises its own row by it.
    workflowRunId: text('workflow_run_id').notNull(),
    traceId: text('trace_id'),
  },
  (t) => [
    uniqueIndex('events_source_key_uq').on(t.sourceId, t.idempotencyKey),
    index('events_received_idx').on(t.receivedAt, t.id),
    index('events_source_received_idx').on(t.sourceId, t.receivedAt),
    index('events_status_received_idx').on(t.status, t.receivedAt),
    index('events_type_received_idx').on(t.eventType, t.receivedAt),
  ],
);

export const deliveries = pgTable(
  'deliveries',
  {
    id: text('id').primaryKey(),
    eventId: text('event_id')
      .notNull()
      .references(() => events.id, { onDelete: 'cascade' }),
    subscriptionId: text('subscription_id').notNull(),
    status: text('status', { enum: deliveryStatuses }).notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    // The workflow running this delivery's lane: the event workflow, a fan-out child, or the redelivery that last ran it.
    workflowId: text('workflow_id').notNull(),
    // Replays and resends of this delivery (each keeps the same row and webhook-id).
    replayCount: integer('replay_count').notNull().default(0),
    // FIFO only: the dispatcher whose queue the lane joins, and when its admission request reached
    // it. Until then the dispatcher holds the deliveries accepted after this one (acceptance floor).
    orderingQueue: text('ordering_queue'),
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    // Until when a local first attempt holds the send: a second execution of that attempt (the SDK
    // runs a local activity again when its workflow task timed out under load) waits instead of sending.
    sendingUntil: timestamp('sending_until', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('deliveries_event_subscription_uq').on(t.eventId, t.subscriptionId),
    index('deliveries_not_yet_queued_idx')
      .on(t.orderingQueue)
      .where(sql`${t.orderingQueue} is not null and ${t.queuedAt} is null`),
    index('deliveries_subscription_id_idx').on(t.subscriptionId, t.id),
    index('deliveries_event_idx').on(t.eventId),
    index('deliveries_status_idx').on(t.status),
  ],
);

export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: text('delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    attempt: integer('attempt').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    responseExcerpt: text('response_excerpt'),
    // The body as sent (after the subscription's transformation): its size and SHA-256.
    bodyBytes: integer('body_bytes'),
    bodySha256: text('body_sha256'),
  },
  (t) => [
    uniqueIndex('delivery_attempts_delivery_attempt_uq').on(t.deliveryId, t.attempt),
    index('delivery_attempts_started_idx').on(t.startedAt),
  ],
);

export const deadLetters = pgTable(
  'dead_letters',
  {
    id: text('id').primaryKey(),
    stage: text('stage', { enum: deadLetterStages }).notNull(),
    eventId: text('event_id').notNull(),
    deliveryId: text('delivery_id'),
    subscriptionId: text('subscription_id'),
    sourceId: text('source_id').notNull(),
    reason: text('reason', { enum: deadLetterReasons }).notNull(),
    lastError: text('last_error'),
    attempts: integer('attempts').notNull().default(0),
    status: text('status', { enum: deadLetterStatuses }).notNull().default('open'),
    replayCount: integer('replay_count').notNull().default(0),
    // The workflow holding the dead-lettered lane (or processing stage): where replay/discard are signalled.
    workflowId: text('workflow_id').notNull(),
    createdAt: createdAt(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    // One dead letter per delivery (and per event's processing): dying again after a replay reopens it.
    uniqueIndex('dead_letters_delivery_uq')
      .on(t.deliveryId)
      .where(sql`${t.deliveryId} is not null`),
    uniqueIndex('dead_letters_processing_uq')
      .on(t.eventId)
      .where(sql`${t.stage} = 'processing'`),
    index('dead_letters_workflow_idx').on(t.workflowId),
    // Lists are newest first by ULID id; each filter has an index leading with it.
    index('dead_letters_status_idx').on(t.status, t.id),
    index('dead_letters_subscription_idx').on(t.subscriptionId, t.id),
    index('dead_letters_source_idx').on(t.sourceId, t.id),
    index('dead_letters_reason_idx').on(t.reason, t.id),
    index('dead_letters_created_idx').on(t.createdAt),
  ],
);

/**
 * Verified webhooks waiting for their workflow start (spillover: docs/architecture.md, "The path of a webhook"): written when Temporal
 * is slow or down, started by the worker's relay with the same workflow id and input, then deleted.
 */
export const ingressOutbox = pgTable(
  'ingress_outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sourceId: text('source_id').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    eventId: text('event_id').notNull(),
    eventType: text('event_type').notNull(),
    payload: jsonb('payload').notNull(),
    payloadSha256: text('payload_sha256').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull(),
    traceId: text('trace_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }),
    // When a relay started its workflow. The row stays until that workflow has written the ledger
    // row (recordEvent deletes it), so a FIFO dispatcher's acceptance floor sees the event throughout.
    startedAt: timestamp('started_at', { withTimezone: true }),
    // Where the workflow starts: a relay claims only rows for its own namespace and task queue, so
    // deployments (or test runs) sharing one database never start each other's webhooks.
    temporalNamespace: text('temporal_namespace').notNull().default('default'),
    taskQueue: text('task_queue').notNull().default('hookflow'),
  },
  (t) => [
    // The ledger's dedup key: a duplicate of a spilled event is recognised before it is started.
    uniqueIndex('ingress_outbox_source_key_uq').on(t.sourceId, t.idempotencyKey),
    index('ingress_outbox_received_idx').on(t.receivedAt, t.id),
    index('ingress_outbox_target_received_idx').on(t.temporalNamespace, t.taskQueue, t.receivedAt, t.id),
    index('ingress_outbox_started_idx')
      .on(t.startedAt)
      .where(sql`${t.startedAt} is not null`),
  ],
);
