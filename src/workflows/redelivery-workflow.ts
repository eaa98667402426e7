import type { RedeliveryWorkflowInput, WorkflowState } from '../domain/workflow-io.js';
import type { LaneStart } from './lanes.js';
import { runLanes } from './run-lanes.js';

const laneStartOf: Record<RedeliveryWorkflowInput['mode'], LaneStart> = {
  resend: 'resend',
  first: 'deliver',
  discard: 'discard',
};

/**
 * `delivery:<eventId>:<subscriptionId>`: one lane after its event workflow has closed: a replay
 * after the window, a resend of a delivered message (same delivery row, same webhook-id), the
 * discard of its open dead letter, or the first delivery of a synthetic test event.
 */
export async function redeliveryWorkflow(input: RedeliveryWorkflowInput): Promise<WorkflowState> {
  return runLanes(input.event, [input.lane], input.policies, laneStartOf[input.mode], input.reason);
}
