// Inputs and outputs of workflows and activities, shared with their clients. Type-only: safe in the workflow bundle.
import type { LanePolicy, RetrySchedule } from './delivery-policy.js';
import type { WorkflowPolicies } from './workflow-policies.js';
import type {
  DeadLetterReason,
  DeadLetterStage,
  HoldReason,
  LaneStatus,
  OperationalEventType,
  WorkflowStatus,
} from './vocabulary.js';

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
  /** Set when an operator discards a processing dead letter after the workflow closed: the run only closes it. */
  discard?: boolean;
  /** Started by the outbox relay: the event's outbox row waits for recordEvent to remove it. */
  spilled?: boolean;
}

/** An event as callers (ingress, the relay, the API) know it: the workflow starter adds the policies. */
export type EventData = Omit<EventWorkflowInput, 'policies'>;

export interface RecordEventResult {
  /** False when another run already recorded this (source, key): the event is a duplicate. */
  recorded: boolean;
  /**
   * Set when recordEvent routed the event itself (its source has no processor): the workflow goes
   * straight to delivery. Absent: `processEvent` processes and routes it.
   */
  routed?: ProcessEventResult;
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
  /** The subscription's delivery policy when it was routed (absent: the defaults, no admission). */
  policy?: LanePolicy;
}

/** One `deliverWebhook` call: the lane's delivery; everything else is loaded at attempt time. */
export interface DeliveryAttemptInput extends LaneEvent {
  subscriptionId: string;
  deliveryId: string;
  /** The attempt budget the lane runs under (to log whether another retry follows). */
  maximumAttempts: number;
  /** The policy's longest wait between attempts: a `Retry-After` is capped by it. */
  maximumIntervalMs: number;
  /** A fixed schedule the retries follow (the activity sets each next delay), and the attempts spent before this activity. */
  schedule?: RetrySchedule & { attemptsBefore: number };
}

/** What `processEvent` needs: the stored event and the workflow that routes it (the worker's FANOUT_INLINE_MAX says where fan-out splits). */
export interface ProcessEventInput {
  eventId: string;
  workflowId: string;
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
      /** The subscription's transformation answered { cancel: true }: settled without a request. */
      kind: 'cancelled';
      attempts: number;
    }
  | {
      /** The subscription's rate limit has no slot soon: wait this long, then call again. */
      kind: 'throttled';
      waitMs: number;
      /** Temporal's attempt number when throttled: attempts before it count against the budget. */
      temporalAttempt: number;
    }
  | {
      /**
       * The subscription is paused or its circuit is open: no attempt was made (or a failed probe,
       * which spends no retry budget). Wait until resumed or this long, then call again.
       */
      kind: 'held';
      reason: HoldReason;
      waitMs: number;
      temporalAttempt: number;
    }
  | {
      /** Our own dependency (PostgreSQL) could not be reached before the POST: no attempt was made. */
      kind: 'dependency_unavailable';
      reason: string;
      temporalAttempt: number;
    };

export interface DeadLetterInput {
  stage: DeadLetterStage;
  eventId: string;
  sourceId: string;
  deliveryId?: string;
  subscriptionId?: string;
  reason: DeadLetterReason;
  lastError: string;
}

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
  /** Set while the lane waits on its paused or circuit-open subscription (no attempts, no budget spent). */
  heldBy?: HoldReason;
}

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

/** What one dead letter became when a `replayDeadLetter`/`discardDeadLetter` Update was carried out. */
export interface OperatorDecisionApplied {
  stage: 'processing' | 'delivery';
  /** The lane's delivery (null for the processing stage). */
  deliveryId: string | null;
  status: 'replaying' | 'discarded';
  replayCount: number;
}

/** The answer of a `replayDeadLetter`/`discardDeadLetter` Update: what this workflow did, and which children it told. */
export interface OperatorOutcome {
  applied: OperatorDecisionApplied[];
  /** `fanout:` children still running, which got the request as a signal (their lanes answer for themselves). */
  forwardedTo: string[];
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
  /**
   * `resend`: a replay or redelivery (replay count + 1); `first`: a new message's first delivery (the
   * test endpoint); `discard`: closes the delivery's open dead letter without sending (a discard after
   * the event workflow closed, so the workflow side stays the only writer of the dead letter).
   */
  mode: 'resend' | 'first' | 'discard';
  reason?: string;
}

/** One lane to run in `redeliveryWorkflow`, as the API knows it: the workflow starter adds the policies. */
export type LaneData = Omit<RedeliveryWorkflowInput, 'policies'>;

/** What a dead letter is about: one delivery, or (stage `processing`) one event. */
export interface DeadLetterSubject {
  deliveryId?: string | undefined;
  eventId: string;
}

/** One of Hookflow's own events, emitted through its own pipeline on the reserved source. */
export interface OperationalEvent {
  type: OperationalEventType;
  /** Makes the emission idempotent: the same key never produces a second event. */
  key: string;
  /** `subscriptionId` names the subscription the event is about; it never receives it. */
  data: { subscriptionId: string; [field: string]: unknown };
}

/** One lane waiting for (or holding) a dispatcher slot. */
export interface AdmissionRequest {
  deliveryId: string;
  eventId: string;
  /** The workflow running the lane: where `admit` is signalled. */
  workflowId: string;
  /** Acceptance at ingress: the admission order (then the event id). */
  receivedAt: string;
  /** The subscription's cap when the lane was routed: the dispatcher follows the latest. */
  maxInFlight: number;
}

/** What `requestAdmission` sends: the lane's request, and how to start the dispatcher if it is not running. */
export interface AdmissionInput {
  dispatcherId: string;
  subscriptionId: string;
  /** FIFO: admit strictly in acceptance order (else only the cap applies). */
  fifo: boolean;
  /** The ordering key's hash, for a FIFO subscription ordered per key. */
  orderingKeyHash?: string | undefined;
  request: AdmissionRequest;
}

/** Input of `dispatcher:<subscriptionId>[:<keyHash>]`; a continue-as-new carries its queue along. */
export interface DispatcherInput {
  subscriptionId: string;
  maxInFlight: number;
  /** FIFO: admit strictly in acceptance order, after every earlier event of the queue is routed. */
  fifo?: boolean;
  orderingKeyHash?: string | undefined;
  reorderWindowMs: number;
  /** Admissions before the run continues as new. */
  admissionsPerRun: number;
  /** Lanes waiting, and lanes holding a slot (with whether a dead letter holds it), handed on by continue-as-new. */
  waiting?: AdmissionRequest[];
  admitted?: (AdmissionRequest & { blocked: boolean })[];
}

/** What a FIFO dispatcher asks before admitting: which queue, and how long ingress may take to reach the ledger. */
export interface AcceptanceFloorInput {
  subscriptionId: string;
  orderingKeyHash?: string | undefined;
  reorderWindowMs: number;
}

/** The dispatcher's `state` query. */
export interface DispatcherState {
  subscriptionId: string;
  maxInFlight: number;
  waiting: AdmissionRequest[];
  admitted: (AdmissionRequest & { blocked: boolean })[];
  /** Admissions by this run (it continues as new every 1,000). */
  admissions: number;
}

/** Which deliveries a recovery resends: the dead-lettered ones, or every one (delivered too). */
export type RecoverScope = 'failed' | 'all';

/** Where a recovery stands: a position in acceptance order (received_at, then event id). */
export interface RecoverCursor {
  receivedAt: string;
  eventId: string;
}

/** What a recovery has done so far (its `progress` query, carried across continue-as-new). */
export interface RecoverProgress {
  /** Deliveries in the window it looked at. */
  scanned: number;
  /** Sent again in a redelivery workflow. */
  redelivered: number;
  /** Open dead letters replayed in the workflow holding them. */
  replayed: number;
  /** Still being delivered or retried: left alone, so nothing goes out twice at once. */
  inProgress: number;
  done: boolean;
  /** The last delivery handled, in acceptance order. */
  cursor: RecoverCursor | null;
}

/** `recover:<subscriptionId>:<ulid>`: resends a subscription's deliveries of `[since, until)`. */
export interface RecoverInput {
  subscriptionId: string;
  since: string;
  until: string;
  scope: RecoverScope;
  /** Resends per second at most. */
  ratePerSecond: number;
  /** Deliveries per page (one activity each). */
  pageSize: number;
  /** Pages per run before it continues as new (keeps its history short). */
  pagesPerRun: number;
  progress: RecoverProgress;
}

/** One page of a recovery: the activity resends these deliveries in acceptance order. */
export interface RecoverPageInput {
  recoveryId: string;
  subscriptionId: string;
  since: string;
  until: string;
  scope: RecoverScope;
  after: RecoverCursor | null;
  limit: number;
}

export interface RecoverPageResult {
  scanned: number;
  redelivered: number;
  replayed: number;
  inProgress: number;
  /** The last delivery of the page; null when the window held nothing more. */
  cursor: RecoverCursor | null;
}
