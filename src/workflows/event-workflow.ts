import {
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  startChild,
  workflowInfo,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import { searchAttributesOf } from '../domain/search-attributes.js';
import { discardSignal, replaySignal } from '../domain/signals.js';
import { fanoutWorkflow } from './fanout-workflow.js';
import { LaneSet } from './lanes.js';
import { handlersFinished, listenToOperator, requestTargetsProcessing } from './operator-control.js';
import { OperatorMailbox } from './operator-mailbox.js';
import { activityOptions } from './retry.js';
import { activityEnding } from './local-activity-failure.js';
import type { EventWorkflowInput, LaneEvent, RoutedDelivery, WorkflowState } from '../domain/workflow-io.js';
import { initialState, StatePublisher } from './workflow-state.js';

/**
 * One run per (source, idempotency key): records the event in the ledger, processes and routes
 * it, then delivers it to every routed subscription as a lane of this workflow (docs/architecture.md,
 * "One workflow per event"); fan-outs above FANOUT_INLINE_MAX are split into `fanout:` children
 * running the same lanes. It returns once every operator Update it accepted has been answered.
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
  // Local activities: short database work runs inside the workflow task, saving two round trips
  // through Temporal per event (measured in bench/; see README). Retries follow the same policy.
  const { processEvent } = proxyLocalActivities<HookflowActivities>(options.processing);
  // The ledger write must land (an accepted event may never be lost): it retries until PostgreSQL answers.
  const { recordEvent } = proxyLocalActivities<HookflowActivities>(options.bookkeeping);
  const { recordDeadLetter, markReplaying, markDiscarded } = proxyActivities<HookflowActivities>(options.bookkeeping);

  const children: ChildWorkflowHandle<typeof fanoutWorkflow>[] = [];
  const finishedChildren: WorkflowState[] = [];
  const refresh = () =>
    publisher.refreshFromLanes(lanes.states, finishedChildren, children.length - finishedChildren.length);
  const lanes = new LaneSet({ event, policies: input.policies, onChange: refresh });
  const processing = new OperatorMailbox();
  const finishedIds = new Set<string>();
  const running = () => children.map((child) => child.workflowId).filter((id) => !finishedIds.has(id));
  listenToOperator(state, {
    offer(decision, request) {
      if (requestTargetsProcessing(request)) processing.offer(decision);
      lanes.decide(decision, request);
      // Fan-out children hold lanes of their own: pass the request on. A child that has already
      // closed has no lane left to replay, so its refusal of the signal is expected.
      for (const child of children)
        void child.signal(decision.kind === 'replay' ? replaySignal : discardSignal, request).catch(() => undefined);
      return running();
    },
    accepts: (request) =>
      (requestTargetsProcessing(request) && processing.isWaiting) || lanes.accepts(request) || running().length > 0,
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

  let routes: RoutedDelivery[] | undefined;
  while (!routes) {
    try {
      routes = (
        await processEvent({
          eventId: input.eventId,
          workflowId: workflowInfo().workflowId,
        })
      ).deliveries;
    } catch (error) {
      // Read the same way live and on replay (a timed-out local activity is a bare TimeoutFailure on replay).
      const ended = activityEnding(error);
      if (!ended) throw error;
      state.lastError = ended.message;
      processing.open();
      const deadLetter = await recordDeadLetter({
        stage: 'processing',
        eventId: input.eventId,
        sourceId: input.sourceId,
        reason: 'processing_failed',
        lastError: state.lastError,
      });
      state.deadLetterId = deadLetter.deadLetterId;
      publisher.setStatus('dead_lettered');
      const decision = await processing.await(input.policies.deadLetterReplayWindowMs);
      if (!decision) return state;
      const applied = { stage: 'processing' as const, deliveryId: null };
      if (decision.kind === 'discard') {
        await markDiscarded({ eventId: input.eventId, reason: decision.reason });
        decision.report({ ...applied, status: 'discarded', replayCount: state.replayCount });
        publisher.setStatus('discarded');
        return state;
      }
      state.replayCount = (await markReplaying({ eventId: input.eventId, reason: decision.reason })).replayCount;
      decision.report({ ...applied, status: 'replaying', replayCount: state.replayCount });
      publisher.setStatus('processing');
    }
  }
  if (routes.length === 0) {
    publisher.setStatus('skipped');
    return state;
  }

  setCurrentDetails(
    `${input.eventType} from ${input.sourceId} → ${routes.length} subscription${routes.length === 1 ? '' : 's'}`,
  );
  publisher.routed(routes.map((route) => route.subscriptionId));
  const own = workflowInfo().workflowId;
  for (const route of routes) if (route.workflowId === own) lanes.start(route);
  publisher.showLanes(lanes.states);
  await Promise.all([
    lanes.settled(),
    ...groupByWorkflow(routes.filter((route) => route.workflowId !== own)).map(async ([workflowId, group]) => {
      const child = await startChild(fanoutWorkflow, {
        workflowId,
        args: [{ event, lanes: group, policies: input.policies }],
        memo: { traceId: input.traceId },
        staticSummary: `${input.eventType} from ${input.sourceId} → ${group.length} subscriptions (fan-out part)`,
      });
      children.push(child);
      state.fanoutWorkflowIds.push(workflowId);
      refresh();
      finishedChildren.push(await child.result());
      finishedIds.add(workflowId);
      refresh();
    }),
  ]);
  refresh();
  return state;
}

/** Routes grouped by the workflow that runs them, in routing order. */
function groupByWorkflow(routes: RoutedDelivery[]): [string, RoutedDelivery[]][] {
  const groups = new Map<string, RoutedDelivery[]>();
  for (const route of routes) groups.set(route.workflowId, [...(groups.get(route.workflowId) ?? []), route]);
  return [...groups];
}
