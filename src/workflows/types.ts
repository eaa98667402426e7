// Types shared by workflows, activities and clients. Type-only: safe to import in the workflow sandbox.
import type { RetrySettings, WorkflowPolicies } from '../temporal/policies.js';

export type { RetrySettings, WorkflowPolicies };

/** Everything an event workflow needs, fixed at ingress (the event id is derived, not generated). */
export interface EventWorkflowInput {
  eventId: string;
  sourceId: string;
  idempotencyKey: string;
  eventType: string;
  payload: unknown;
  payloadSha256: string;
  headers: Record<string, string>;
  receivedAt: string;
  traceId: string;
  policies: WorkflowPolicies;
  /** Set when an operator replays a processing dead letter after the workflow closed. */
  replay?: boolean;
}

export type EventStatus = 'received' | 'processing' | 'dispatched' | 'duplicate' | 'dead_lettered' | 'skipped';

export interface RecordEventResult {
  /** False when another run already recorded this (source, key): the event is a duplicate. */
  recorded: boolean;
}

/** A delivery of one event to one subscription; everything else is loaded at attempt time. */
export interface DeliveryWorkflowInput {
  eventId: string;
  subscriptionId: string;
  deliveryId: string;
  sourceId: string;
  eventType: string;
  traceId: string;
  policies: WorkflowPolicies;
}

/** One routed subscription, as returned by `processEvent`. */
export interface RoutedDelivery {
  subscriptionId: string;
  deliveryId: string;
  url: string;
}

export interface ProcessEventResult {
  deliveries: RoutedDelivery[];
}

/** What one `deliverWebhook` execution ended with (failures are thrown as ApplicationFailures). */
export type DeliveryAttemptResult =
  | {
      kind: 'delivered';
      statusCode: number;
      /** Attempts made for this delivery so far (across retries and replays). */
      attempts: number;
    }
  | {
      /** The subscription's rate limit has no slot soon: wait this long, then call again. */
      kind: 'throttled';
      waitMs: number;
      /** Temporal's attempt number when throttled: attempts before it count against the budget. */
      temporalAttempt: number;
    };

export interface DeadLetterInput {
  stage: 'processing' | 'delivery';
  eventId: string;
  sourceId: string;
  deliveryId?: string;
  subscriptionId?: string;
  reason: 'retries_exhausted' | 'rejected_by_endpoint' | 'blocked_target' | 'subscription_disabled' | 'processing_failed';
  lastError: string;
}

export type WorkflowStatus =
  | 'processing' | 'dispatched' | 'delivering' | 'delivered' | 'dead_lettered' | 'replaying' | 'discarded' | 'duplicate' | 'skipped';

/** What the `state` query answers on both workflows. */
export interface WorkflowState {
  status: WorkflowStatus;
  attempts: number;
  lastError: string | null;
  deadLetterId: string | null;
  replayCount: number;
}

export interface ReplayRequest {
  reason?: string;
}
