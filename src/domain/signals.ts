import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AdmissionRequest,
  DispatcherState,
  OperatorOutcome,
  OperatorRequest,
  RecoverProgress,
  WorkflowState,
} from './workflow-io.js';

/** Operator signals, shared by workflows and clients (`temporal workflow signal --name replay` works too). */
export const replaySignal = defineSignal<[OperatorRequest?]>('replay');
export const discardSignal = defineSignal<[OperatorRequest?]>('discard');
export const stateQuery = defineQuery<WorkflowState>('state');
/**
 * A paused subscription was resumed, or its circuit closed: its held lanes try again now instead of at
 * their next recheck (sent to the workflows whose `HookflowPaused` names it).
 */
export const resumeHeldSignal = defineSignal<[{ subscriptionId: string }]>('resumeHeld');
/**
 * The same two decisions as Updates, which the API and CLI use: refused (by a validator) when no
 * dead letter of the workflow is waiting for one, answered once the workflow has carried them out.
 */
export const replayDeadLetterUpdate = defineUpdate<OperatorOutcome, [OperatorRequest]>('replayDeadLetter');
export const discardDeadLetterUpdate = defineUpdate<OperatorOutcome, [OperatorRequest]>('discardDeadLetter');

/** A lane asks its subscription's dispatcher for admission (sent by signal-with-start). */
export const admissionRequestSignal = defineSignal<[AdmissionRequest]>('admissionRequest');
/** The dispatcher lets a lane deliver. */
export const admitSignal = defineSignal<[{ deliveryId: string }]>('admit');
/** A lane gives its slot back (delivered, discarded, set aside, or its replay window closed). */
export const releaseSignal = defineSignal<[{ deliveryId: string }]>('release');
/** A FIFO lane dead-lettered and holds the queue (onDeadLetter: block) until it is replayed or discarded. */
export const blockedSignal = defineSignal<[{ deliveryId: string; eventId: string; reason: string }]>('blocked');
/** What a dispatcher is doing: admitted lanes, waiting lanes, and whether a dead letter holds it. */
export const dispatcherStateQuery = defineQuery<DispatcherState>('state');

/** What a `recover:` workflow has done so far. */
export const recoverProgressQuery = defineQuery<RecoverProgress>('progress');
