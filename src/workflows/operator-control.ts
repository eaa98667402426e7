import { condition, setHandler } from '@temporalio/workflow';
import { discardSignal, replaySignal, stateQuery } from './signals.js';
import type { ReplayRequest, WorkflowState } from './types.js';

/** Operator input a workflow has received: replay requests and a discard. */
export interface OperatorControl {
  replays: ReplayRequest[];
  discarded: boolean;
}

/** Installs the `replay`/`discard` signal handlers and the `state` query; call first in a workflow. */
export function listenToOperator(state: WorkflowState): OperatorControl {
  const control: OperatorControl = { replays: [], discarded: false };
  setHandler(replaySignal, (request) => void control.replays.push(request ?? {}));
  setHandler(discardSignal, () => void (control.discarded = true));
  setHandler(stateQuery, () => state);
  return control;
}

/** Waits for the operator after a dead letter: `replay`, `discard`, or the window closing. */
export async function awaitOperatorDecision(control: OperatorControl, windowMs: number): Promise<'replay' | 'discard' | 'expired'> {
  const decided = await condition(() => control.replays.length > 0 || control.discarded, windowMs);
  if (!decided) return 'expired';
  return control.discarded ? 'discard' : 'replay';
}

/** Consumes pending replay requests, returning the first one's reason. */
export function takeReplay(control: OperatorControl): ReplayRequest {
  const [first] = control.replays.splice(0);
  return first ?? {};
}
