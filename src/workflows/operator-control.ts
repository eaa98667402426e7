import { allHandlersFinished, condition, setHandler, workflowInfo } from '@temporalio/workflow';
import {
  discardDeadLetterUpdate,
  discardSignal,
  replayDeadLetterUpdate,
  replaySignal,
  resumeHeldSignal,
  stateQuery,
} from '../domain/signals.js';
import type { OperatorOutcome, OperatorRequest, WorkflowState } from '../domain/workflow-io.js';
import { OperatorDecision } from './operator-mailbox.js';

/** What takes operator decisions in a workflow: its lanes, its processing stage, its fan-out children. */
export interface OperatorTarget {
  /** Offers the decision to every waiting mailbox the request targets; returns the children it was forwarded to. */
  offer(decision: OperatorDecision, request: OperatorRequest): string[];
  /** Whether a request would be taken by something in this workflow (the Updates' validators ask). */
  accepts(request: OperatorRequest): boolean;
  /** Lets the lanes held on a paused or circuit-open subscription try again (the `resumeHeld` signal). */
  resume(subscriptionId: string): void;
}

/**
 * Installs the `replay`/`discard` signals, the `replayDeadLetter`/`discardDeadLetter` Updates (one
 * handler behind both kinds), the `resumeHeld` signal and the `state` query; call first in a workflow, so that a signal
 * delivered with the start (signal-with-start) is not missed. A signal that no dead letter is
 * waiting for changes nothing; the same request as an Update is refused with the reason.
 */
export function listenToOperator(state: WorkflowState, target: OperatorTarget): void {
  setHandler(
    replaySignal,
    (request) => void target.offer(new OperatorDecision('replay', request?.reason), request ?? {}),
  );
  setHandler(
    discardSignal,
    (request) => void target.offer(new OperatorDecision('discard', request?.reason), request ?? {}),
  );
  const decide =
    (kind: OperatorDecision['kind']) =>
    // `temporal workflow update execute` may send no input at all: then it applies to every dead letter.
    async (request: OperatorRequest | undefined): Promise<OperatorOutcome> => {
      request ??= {};
      const decision = new OperatorDecision(kind, request.reason);
      const forwardedTo = target.offer(decision, request);
      await condition(() => decision.carriedOut);
      return { applied: decision.applied, forwardedTo };
    };
  const validator = (request: OperatorRequest | undefined) => {
    request ??= {};
    if (!target.accepts(request))
      throw new Error(`no dead letter of ${workflowInfo().workflowId} is waiting for a decision${describe(request)}`);
  };
  setHandler(replayDeadLetterUpdate, decide('replay'), { validator });
  setHandler(discardDeadLetterUpdate, decide('discard'), { validator });
  setHandler(stateQuery, () => state);
  setHandler(resumeHeldSignal, (request) => target.resume(request.subscriptionId));
}

/** Waits until every Update handler has answered: call before a workflow returns, so none is cut off. */
export function handlersFinished(): Promise<void> {
  return condition(allHandlersFinished);
}

function describe(request: OperatorRequest): string {
  const named = [
    request.deliveryId !== undefined ? `delivery ${request.deliveryId}` : undefined,
    request.subscriptionId !== undefined ? `subscription ${request.subscriptionId}` : undefined,
  ].filter(Boolean);
  return named.length ? ` for ${named.join(', ')}` : '';
}

/** Whether a request names this lane, or names no lane at all (then it applies to every dead-lettered one). */
export function requestTargets(
  request: OperatorRequest,
  lane: { subscriptionId: string; deliveryId: string },
): boolean {
  if (request.deliveryId !== undefined && request.deliveryId !== lane.deliveryId) return false;
  if (request.subscriptionId !== undefined && request.subscriptionId !== lane.subscriptionId) return false;
  return true;
}

/** Whether a request is meant for the processing stage (it names no lane). */
export function requestTargetsProcessing(request: OperatorRequest): boolean {
  return request.deliveryId === undefined && request.subscriptionId === undefined;
}
