// The words Hookflow's tables, API and workflows share, each spelled once. Pure: safe in the workflow bundle.
// Drizzle columns take these as `text(…, { enum })`, zod as `z.enum(…)`; the types are derived here.

/** `events.status`. */
export const eventStatuses = ['received', 'processing', 'dispatched', 'duplicate', 'dead_lettered', 'skipped'] as const;
export type EventStatus = (typeof eventStatuses)[number];

/** `deliveries.status`. */
export const deliveryStatuses = [
  'pending',
  'retrying',
  'delivered',
  'dead_lettered',
  'replaying',
  'discarded',
  // The subscription's transformation answered { cancel: true }: settled without a request.
  'cancelled',
] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** Deliveries that are still being worked on: a redelivery leaves them alone. */
export const unsettledDeliveryStatuses = [
  'pending',
  'retrying',
  'replaying',
] as const satisfies readonly DeliveryStatus[];

/** `dead_letters.stage`. */
export const deadLetterStages = ['processing', 'delivery'] as const;
export type DeadLetterStage = (typeof deadLetterStages)[number];

/** `dead_letters.reason`. */
export const deadLetterReasons = [
  'retries_exhausted',
  'rejected_by_endpoint',
  'blocked_target',
  'subscription_disabled',
  'processing_failed',
  'transform_failed',
] as const;
export type DeadLetterReason = (typeof deadLetterReasons)[number];

/** `dead_letters.status`. */
export const deadLetterStatuses = ['open', 'replayed', 'discarded'] as const;
export type DeadLetterStatus = (typeof deadLetterStatuses)[number];

/** `subscriptions.disabled_reason`. */
export const disabledReasons = ['manual', 'auto_failing'] as const;
export type DisabledReason = (typeof disabledReasons)[number];

/** The event-level status of a workflow, also the `HookflowStatus` search attribute. */
export const workflowStatuses = [
  'processing',
  'delivering',
  'delivered',
  'dead_lettered',
  'discarded',
  'duplicate',
  'skipped',
  // A dispatcher whose FIFO queue is held by a dead letter (onDeadLetter: block), and one with nothing to do.
  'blocked',
  'idle',
  // A `recover:` workflow resending a window.
  'recovering',
] as const;
export type WorkflowStatus = (typeof workflowStatuses)[number];

/** Where a delivery lane stands; `dead_lettered` lanes wait for the operator until the replay window closes. */
export const laneStatuses = [
  'queued',
  'delivering',
  'delivered',
  'dead_lettered',
  'replaying',
  'discarded',
  'cancelled',
] as const;
export type LaneStatus = (typeof laneStatuses)[number];

/** Why a lane waits without making attempts (README "Pause and circuit breaker"). */
export const holdReasons = ['paused', 'circuit_open'] as const;
export type HoldReason = (typeof holdReasons)[number];

/** The verification schemes a source may use. */
export const schemeNames = ['standard-webhooks', 'stripe', 'github', 'shopify', 'hmac-sha256'] as const;
export type SchemeName = (typeof schemeNames)[number];

/** The processors a source may run on its events. */
export const processorNames = ['passthrough', 'fetch'] as const;
export type ProcessorName = (typeof processorNames)[number];

/** What `POST /v1/events/:id/redeliver` did for one delivery. */
export const redeliveryOutcomes = ['replayed', 'redelivered', 'in_progress'] as const;
export type RedeliveryOutcomeKind = (typeof redeliveryOutcomes)[number];

/** The reserved source of Hookflow's own events (no partner source may take this id). */
export const OPERATIONAL_SOURCE = 'hookflow';

/** Hookflow's own operational event types; only patterns that name them explicitly receive them. */
export const OPERATIONAL_PREFIX = 'hookflow.';
export const operationalEventTypes = [
  'hookflow.subscription.disabled',
  'hookflow.delivery.dead_lettered',
  'hookflow.delivery.recovered',
  'hookflow.subscription.blocked',
  'hookflow.subscription.circuit_opened',
  'hookflow.subscription.circuit_closed',
] as const;
export type OperationalEventType = (typeof operationalEventTypes)[number];

/** Inbound headers kept with an event (signatures and credentials never are); ordering keys may read them. */
export const storedInboundHeaders = [
  'content-type',
  'user-agent',
  'x-request-id',
  'idempotency-key',
  'webhook-id',
  'webhook-timestamp',
  'svix-id',
  'svix-timestamp',
  'x-github-delivery',
  'x-github-event',
  'x-github-hook-id',
  'x-shopify-topic',
  'x-shopify-webhook-id',
  'x-shopify-shop-domain',
  'x-shopify-api-version',
  'x-signature-timestamp',
] as const;
