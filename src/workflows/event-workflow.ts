import { proxyActivities, proxyLocalActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import { searchAttributesOf } from '../domain/search-attributes.js';
import type { EventWorkflowInput, LaneEvent, RoutedDelivery, WorkflowState } from '../domain/workflow-io.js';
import { FanoutChildren } from './fanout-children.js';
import { LaneSet } from './lanes.js';
import { handlersFinished, listenToOperator, requestTargetsProcessing } from './operator-control.js';
import { ProcessingStage } from './processing-stage.js';
import { activityOptions } from './retry.js';
import { initialState, StatePublisher } from './workflow-state.js';

/**
 * One run per (source, idempotency key): records the event in the ledger, processes and routes
 * it, then delivers it to every routed subscription as a lane of this workflow (docs/architecture.md,
 * "Workflows"); fan-outs above FANOUT_INLINE_MAX are split into `fanout:` children running the same
 * lanes. It returns once every operator Update it accepted has been answered.
 */
export async function eventWorkflow(input: EventWorkflowInput): Promise<WorkflowState> {
  const state = await runEvent(input);
  await handlersFinished();
  return state;
}

async function runEvent(input: EventWorkflowInput): Promise<WorkflowState> {
  const state = initialState('processing');
  const publisher = new StatePublisher(state);
  const event: LaneEvent = {
    eventId: input.eventId,
    sourceId: input.sourceId,
    eventType: input.eventType,
    traceId: input.traceId,
  };
  const options = activityOptions(input.policies);
  // The ledger write must land (an accepted event may never be lost): it retries until PostgreSQL answers.
  const { recordEvent } = proxyLocalActivities<HookflowActivities>(options.bookkeeping);
  const { markReplaying, markDiscarded } = proxyActivities<HookflowActivities>(options.bookkeeping);
  const processing = new ProcessingStage(input, state, publisher);
  const children = new FanoutChildren(event, input.policies, (started) => {
    if (started) state.fanoutWorkflowIds.push(started);
    refresh();
  });
  const refresh = () => publisher.refreshFromLanes(lanes.states, children.finished, children.runningCount);
  const lanes = new LaneSet({ event, policies: input.policies, onChange: refresh });
  listenToOperator(state, {
    offer(decision, request) {
      if (requestTargetsProcessing(request)) processing.mailbox.offer(decision);
      lanes.decide(decision, request);
      children.forward(decision, request);
      return children.running();
    },
    accepts: (request) =>
      (requestTargetsProcessing(request) && processing.mailbox.isWaiting) ||
      lanes.accepts(request) ||
      children.running().length > 0,
    // Fan-out children upsert HookflowPaused themselves and are signalled directly.
    resume: (subscriptionId) => lanes.resume(subscriptionId),
  });

  // Published with routing (or with how the run ended early) rather than at start: the ingress start stays cheap.
  publisher.identify(
    searchAttributesOf.eventWorkflow({ ...event, idempotencyKey: input.idempotencyKey }, state.status),
  );
  // A discard of a processing dead letter after its run closed: this run only closes it.
  if (input.discard) {
    await markDiscarded({ eventId: input.eventId });
    publisher.setStatus('discarded');
    return state;
  }
  const recorded = await recordEvent(input);
  if (!recorded.recorded) {
    publisher.setStatus('duplicate');
    return state;
  }
  // Started by signal-with-start after the replay window closed: this run is the replay.
  if (input.replay) state.replayCount = (await markReplaying({ eventId: input.eventId })).replayCount;

  // A passthrough event was routed with its ledger write; others are processed and routed now.
  const routes = recorded.routed?.deliveries ?? (await processing.route());
  if (!routes) return state;
  if (routes.length === 0) {
    publisher.setStatus('skipped');
    return state;
  }
  await deliver(input, routes, { publisher, lanes, children });
  refresh();
  return state;
}

/** Runs the event's own lanes and its fan-out children until every one has settled. */
async function deliver(
  input: EventWorkflowInput,
  routes: RoutedDelivery[],
  { publisher, lanes, children }: { publisher: StatePublisher; lanes: LaneSet; children: FanoutChildren },
): Promise<void> {
  setCurrentDetails(
    `${input.eventType} from ${input.sourceId} → ${routes.length} subscription${routes.length === 1 ? '' : 's'}`,
  );
  publisher.routed(routes.map((route) => route.subscriptionId));
  const own = workflowInfo().workflowId;
  for (const route of routes) if (route.workflowId === own) lanes.start(route);
  publisher.showLanes(lanes.states);
  await Promise.all([
    lanes.settled(),
    children.run(
      routes.filter((route) => route.workflowId !== own),
      input.traceId,
    ),
  ]);
}
