import type { FanoutWorkflowInput, WorkflowState } from '../domain/workflow-io.js';
import { runLanes } from './run-lanes.js';

/** `fanout:<eventId>:<n>`: a slice of a large event's lanes, so no history outgrows Temporal's limits. */
export async function fanoutWorkflow(input: FanoutWorkflowInput): Promise<WorkflowState> {
  return runLanes(input.event, input.lanes, input.policies, 'deliver');
}
