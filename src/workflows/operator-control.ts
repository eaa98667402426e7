import { setHandler } from '@temporalio/workflow';
import { discardSignal, replaySignal, stateQuery } from '../domain/signals.js';
import type { OperatorRequest, WorkflowState } from '../domain/workflow-io.js';

/** One operator decision about a dead letter. */
export interface OperatorDecision {
  kind: 'replay' | 'discard';
  reason?: string | undefined;
}

/** What receives operator signals: the workflow's lanes, its processing stage, its fan-out children. */
export type OperatorListener = (decision: OperatorDecision, request: OperatorRequest) => void;

/**
 * Installs the `replay`/`discard` signal handlers and the `state` query; call first in a workflow,
 * so that a signal delivered with the start (signal-with-start) is not missed.
 */
export function listenToOperator(state: WorkflowState, listener: OperatorListener): void {
  setHandler(replaySignal, (request) => listener({ kind: 'replay', reason: request?.reason }, request ?? {}));
  setHandler(discardSignal, (request) => listener({ kind: 'discard', reason: request?.reason }, request ?? {}));
  setHandler(stateQuery, () => state);
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
