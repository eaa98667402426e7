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

/** What every lane of one event shares: the event's identity, fixed when it was routed. */
export interface LaneEvent {
  eventId: string;
  sourceId: string;
  eventType: string;
  traceId: string;
}

/** One routed subscription: a lane of the event workflow (or of its fan-out child), as returned by `processEvent`. */
export interface RoutedDelivery {
  subscriptionId: string;
  deliveryId: string;
  url: string;
  /** The workflow that runs this lane: the event workflow, or the `fanout:` child it was split into. */
  workflowId: string;
}

/** One `deliverWebhook` call: the lane's delivery; everything else is loaded at attempt time. */
export interface DeliveryAttemptInput extends LaneEvent {
  subscriptionId: string;
  deliveryId: string;
  /** The attempt budget the lane runs under (to log whether another retry follows). */
  maximumAttempts: number;
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

/** Where a lane stands; `dead_lettered` lanes wait for the operator until the replay window closes. */
export type LaneStatus = 'delivering' | 'delivered' | 'dead_lettered' | 'replaying' | 'discarded';

/** One lane, as the `state` query reports it. */
export interface LaneState {
  subscriptionId: string;
  deliveryId: string;
  status: LaneStatus;
  attempts: number;
  lastError: string | null;
  deadLetterId: string | null;
  replayCount: number;
  /** True once the lane has nothing more to do (delivered, discarded, or its replay window closed). */
  settled: boolean;
}

/** The event-level status, also the `HookflowStatus` search attribute. */
export type WorkflowStatus = 'processing' | 'delivering' | 'delivered' | 'dead_lettered' | 'discarded' | 'duplicate' | 'skipped';

/** What the `state` query answers (and what every Hookflow workflow returns). */
export interface WorkflowState {
  status: WorkflowStatus;
  /** Attempts of every settled lane. */
  attempts: number;
  /** Processing-stage failure and dead letter (lanes carry their own). */
  lastError: string | null;
  deadLetterId: string | null;
  replayCount: number;
  lanes: LaneState[];
  /** `fanout:` children the lanes were split into (large fan-outs only). */
  fanoutWorkflowIds: string[];
}

/** Input of `replay`/`discard`: without a target they apply to every dead-lettered lane (and a processing dead letter). */
export interface OperatorRequest {
  subscriptionId?: string;
  deliveryId?: string;
  reason?: string;
}

/** Input of a `fanout:<eventId>:<n>` child: a slice of the event's lanes. */
export interface FanoutWorkflowInput {
  event: LaneEvent;
  lanes: RoutedDelivery[];
  policies: WorkflowPolicies;
}

/**
 * Input of `redeliveryWorkflow` (`delivery:<eventId>:<subscriptionId>`): one lane, run after the
 * event workflow closed (a replay after the window, or a resend), or a synthetic test event.
 */
export interface RedeliveryWorkflowInput {
  event: LaneEvent;
  lane: RoutedDelivery;
  policies: WorkflowPolicies;
  /** `resend`: a replay or redelivery (replay count + 1); `first`: a new message's first delivery (the test endpoint). */
  mode: 'resend' | 'first';
  reason?: string;
}
