import {
  ActivityFailure, ApplicationFailure, ParentClosePolicy, proxyActivities, proxyLocalActivities, startChild, upsertSearchAttributes, WorkflowIdReusePolicy,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { HookflowActivities } from '../activities/index.js';
import { workflowIds } from '../workflow-ids.js';
import { searchAttributes } from '../temporal/search-attributes.js';
import { deliveryWorkflow } from './delivery-workflow.js';
import { awaitOperatorDecision, listenToOperator, takeReplay } from './operator-control.js';
import { activityOptions } from './retry.js';
import type { EventWorkflowInput, RoutedDelivery, WorkflowState, WorkflowStatus } from './types.js';

/**
 * One run per (source, idempotency key): records the event in the ledger, processes and routes
 * it, and starts one abandoned child delivery workflow per matching subscription.
 */
export async function eventWorkflow(input: EventWorkflowInput): Promise<WorkflowState> {
  const state: WorkflowState = { status: 'processing', attempts: 0, lastError: null, deadLetterId: null, replayCount: 0 };
  const control = listenToOperator(state);
  const options = activityOptions(input.policies);
  // Local activities: short database work runs inside the workflow task, saving two round trips
  // through Temporal per event (measured in bench/; see README). Retries follow the same policy.
  const { processEvent } = proxyLocalActivities<HookflowActivities>(options.processing);
  // The ledger write must land (an accepted event may never be lost): it retries until PostgreSQL answers.
  const { recordEvent } = proxyLocalActivities<HookflowActivities>(options.bookkeeping);
  const { recordDeadLetter, markReplaying, markDiscarded } = proxyActivities<HookflowActivities>(options.bookkeeping);
  const setStatus = (status: WorkflowStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: searchAttributes.status, value: status }]);
  };

  // Set in the first workflow task rather than at start: the ingress start stays cheap.
  upsertSearchAttributes([
    { key: searchAttributes.source, value: input.sourceId },
    { key: searchAttributes.eventType, value: input.eventType },
    { key: searchAttributes.eventId, value: input.eventId },
    { key: searchAttributes.idempotencyKey, value: input.idempotencyKey },
    { key: searchAttributes.status, value: 'processing' },
  ]);
  const recorded = await recordEvent(input);
  if (!recorded.recorded) {
    setStatus('duplicate');
    return state;
  }
  const replay = async () => {
    const { reason } = takeReplay(control);
    state.replayCount = (await markReplaying({ eventId: input.eventId, reason })).replayCount;
    setStatus('processing');
  };
  if (control.replays.length > 0) await replay();

  for (;;) {
    try {
      const { deliveries } = await processEvent({ eventId: input.eventId });
      await Promise.all(deliveries.map((delivery) => startDelivery(input, delivery)));
      setStatus(deliveries.length > 0 ? 'dispatched' : 'skipped');
      return state;
    } catch (error) {
      // Local activity failures surface as ActivityFailure or (non-retryable) as the ApplicationFailure itself.
      if (!(error instanceof ActivityFailure) && !(error instanceof ApplicationFailure)) throw error;
      state.lastError = error.cause?.message ?? error.message;
      const deadLetter = await recordDeadLetter({ stage: 'processing', eventId: input.eventId, sourceId: input.sourceId, reason: 'processing_failed', lastError: state.lastError });
      state.deadLetterId = deadLetter.deadLetterId;
      setStatus('dead_lettered');
    }
    const decision = await awaitOperatorDecision(control, input.policies.deadLetterReplayWindowMs);
    if (decision === 'expired') return state;
    if (decision === 'discard') {
      await markDiscarded({ eventId: input.eventId });
      setStatus('discarded');
      return state;
    }
    await replay();
  }
}

/** Starts the delivery child; one that already exists (a replayed event) is left alone, never redone. */
async function startDelivery(input: EventWorkflowInput, delivery: RoutedDelivery): Promise<void> {
  try {
    await startChild(deliveryWorkflow, {
      workflowId: workflowIds.delivery(input.eventId, delivery.subscriptionId),
      args: [{
        eventId: input.eventId, subscriptionId: delivery.subscriptionId, deliveryId: delivery.deliveryId, sourceId: input.sourceId,
        eventType: input.eventType, traceId: input.traceId, policies: input.policies,
      }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      staticSummary: `${input.eventType} → ${delivery.url}`,
      memo: { traceId: input.traceId },
      typedSearchAttributes: [
        { key: searchAttributes.source, value: input.sourceId },
        { key: searchAttributes.eventType, value: input.eventType },
        { key: searchAttributes.eventId, value: input.eventId },
        { key: searchAttributes.subscriptionId, value: delivery.subscriptionId },
        { key: searchAttributes.status, value: 'delivering' },
        { key: searchAttributes.attempts, value: 0 },
      ],
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}
