// The activities' contract: workflows proxy it, `createActivities` implements it. Type-only, so the
// workflow bundle never reaches activity code, and activities never import workflows.
import type { AutoDisableInput, RetentionInput, RetentionResult } from './maintenance-io.js';
import type { AcceptanceFloorAnswer } from './acceptance-order.js';
import type {
  AcceptanceFloorInput,
  AdmissionInput,
  DeadLetterInput,
  DeadLetterSubject,
  DeliveryAttemptInput,
  DeliveryAttemptResult,
  EventWorkflowInput,
  OperationalEvent,
  ProcessEventInput,
  ProcessEventResult,
  RecordEventResult,
  RecoverPageInput,
  RecoverPageResult,
} from './workflow-io.js';

/** Every activity the worker registers, by the name workflows call it. */
export interface HookflowActivities {
  /** Inserts the event into the idempotency ledger; `recorded: false` means a duplicate. */
  recordEvent(input: EventWorkflowInput): Promise<RecordEventResult>;
  /** Runs the source's processor, then routes the event to its subscriptions (one delivery row each). */
  processEvent(input: ProcessEventInput): Promise<ProcessEventResult>;
  /** One signed delivery attempt, classified for the retry policy. */
  deliverWebhook(input: DeliveryAttemptInput): Promise<DeliveryAttemptResult>;
  /** Opens (or reopens) a dead letter and marks the delivery or event dead-lettered. */
  recordDeadLetter(input: DeadLetterInput): Promise<{ deadLetterId: string; attempts: number }>;
  /** A replay (or resend) begins; returns the delivery's (or event's) replay count. */
  markReplaying(input: DeadLetterSubject & { reason?: string | undefined }): Promise<{ replayCount: number }>;
  /** A discard arrived: the dead letter closes without delivery. */
  markDiscarded(input: DeadLetterSubject & { reason?: string | undefined }): Promise<void>;
  /** Asks a subscription's dispatcher for a slot (signal-with-start); the dispatcher signals `admit` back. */
  requestAdmission(input: AdmissionInput): Promise<void>;
  /** A FIFO queue's acceptance floor: waiting deliveries accepted before it may be admitted. */
  acceptanceFloorOf(input: AcceptanceFloorInput): Promise<AcceptanceFloorAnswer>;
  /** Resends one page of a recovery window, in acceptance order (heartbeats its position). */
  recoverPage(input: RecoverPageInput): Promise<RecoverPageResult>;
  /** Emits one of Hookflow's operational events. */
  emitOperationalEventActivity(event: OperationalEvent): Promise<void>;
  /** Disables subscriptions that failed for too long; returns their ids. */
  autoDisableFailingSubscriptions(input: AutoDisableInput): Promise<string[]>;
  /** Drops previous secrets whose grace window has ended. */
  expirePreviousSecrets(): Promise<{ subscriptions: number; sources: number }>;
  /** Purges data older than the retention, in batches. */
  purgeExpiredData(input: RetentionInput): Promise<RetentionResult>;
}
