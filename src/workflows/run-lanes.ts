import { searchAttributesOf } from '../domain/search-attributes.js';
import { LaneSet, type LaneStart } from './lanes.js';
import { handlersFinished, listenToOperator } from './operator-control.js';
import type { WorkflowPolicies } from '../domain/workflow-policies.js';
import type { LaneEvent, RoutedDelivery, WorkflowState } from '../domain/workflow-io.js';
import { initialState, StatePublisher } from './workflow-state.js';

/**
 * Runs a fixed set of lanes to settlement in this workflow, with the operator signals, Updates and
 * `state` query: the body of `fanout:` and `delivery:` workflows.
 */
export async function runLanes(
  event: LaneEvent,
  routes: RoutedDelivery[],
  policies: WorkflowPolicies,
  how: LaneStart,
  reason?: string,
): Promise<WorkflowState> {
  const state = initialState('delivering');
  const publisher = new StatePublisher(state);
  const lanes = new LaneSet({ event, policies, onChange: () => publisher.refreshFromLanes(lanes.states) });
  listenToOperator(state, {
    offer(decision, request) {
      lanes.decide(decision, request);
      return [];
    },
    accepts: (request) => lanes.accepts(request),
    resume: (subscriptionId) => lanes.resume(subscriptionId),
  });
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
  await handlersFinished();
  return state;
}
