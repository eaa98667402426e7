import { searchAttributesOf } from '../domain/search-attributes.js';
import { LaneSet, type LaneStart } from './lanes.js';
import { listenToOperator } from './operator-control.js';
import type { WorkflowPolicies } from '../domain/policies.js';
import type {
  FanoutWorkflowInput,
  LaneEvent,
  RedeliveryWorkflowInput,
  RoutedDelivery,
  WorkflowState,
} from '../domain/workflow-io.js';
import { initialState, StatePublisher } from './workflow-state.js';

/** Runs a fixed set of lanes to settlement in this workflow, with the operator signals and `state` query. */
async function runLanes(
  event: LaneEvent,
  routes: RoutedDelivery[],
  policies: WorkflowPolicies,
  how: LaneStart,
  reason?: string,
): Promise<WorkflowState> {
  const state = initialState('delivering');
  const publisher = new StatePublisher(state);
  const lanes = new LaneSet({ event, policies, onChange: () => publisher.refreshFromLanes(lanes.states) });
  listenToOperator(state, (decision, request) => lanes.decide(decision, request));
  publisher.identify(
    searchAttributesOf.laneWorkflow(
      event,
      routes.map((route) => route.subscriptionId),
      state.status,
    ),
    true,
  );
  for (const route of routes) lanes.start(route, how, reason);
  publisher.showLanes(lanes.states);
  await lanes.settled();
  publisher.refreshFromLanes(lanes.states);
  return state;
}

/** `fanout:<eventId>:<n>`: a slice of a large event's lanes, so no history outgrows Temporal's limits. */
export async function fanoutWorkflow(input: FanoutWorkflowInput): Promise<WorkflowState> {
  return runLanes(input.event, input.lanes, input.policies, 'deliver');
}

/**
 * `delivery:<eventId>:<subscriptionId>`: one lane after its event workflow has closed: a replay
 * after the window, a resend of a delivered message (same delivery row, same webhook-id), or the
 * first delivery of a synthetic test event.
 */
export async function redeliveryWorkflow(input: RedeliveryWorkflowInput): Promise<WorkflowState> {
  return runLanes(
    input.event,
    [input.lane],
    input.policies,
    input.mode === 'resend' ? 'resend' : 'deliver',
    input.reason,
  );
}
