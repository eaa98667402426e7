import { ActivityFailure, ApplicationFailure, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { HookflowActivities } from '../activities/index.js';
import { deadLetterReasonFor } from '../delivery/outcome.js';
import { searchAttributes } from '../temporal/search-attributes.js';
import { awaitOperatorDecision, listenToOperator, takeReplay } from './operator-control.js';
import { activityOptions } from './retry.js';
import type { DeliveryWorkflowInput, WorkflowState, WorkflowStatus } from './types.js';

/**
 * Delivers one event to one subscription under the delivery retry policy. On a dead letter it
 * waits for `replay` (fresh retry budget, same message id) or `discard`, up to the replay window.
 */
export async function deliveryWorkflow(input: DeliveryWorkflowInput): Promise<WorkflowState> {
  const state: WorkflowState = { status: 'delivering', attempts: 0, lastError: null, deadLetterId: null, replayCount: 0 };
  const control = listenToOperator(state);
  const options = activityOptions(input.policies);
  const { deliverWebhook } = proxyActivities<HookflowActivities>({ ...options.delivery, summary: `POST ${input.eventType} to ${input.subscriptionId}` });
  const { recordDeadLetter, markReplaying, markDiscarded } = proxyActivities<HookflowActivities>(options.bookkeeping);

  const setStatus = (status: WorkflowStatus) => {
    state.status = status;
    upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      { key: searchAttributes.attempts, value: state.attempts },
    ]);
  };
  const replay = async () => {
    const { reason } = takeReplay(control);
    const { replayCount } = await markReplaying({ deliveryId: input.deliveryId, eventId: input.eventId, reason });
    state.replayCount = replayCount;
    setStatus('replaying');
  };

  // Started by signal-with-start after the replay window closed: this run is the replay.
  if (control.replays.length > 0) await replay();
  for (;;) {
    try {
      const result = await deliverWebhook(input);
      state.attempts = result.attempts;
      state.lastError = null;
      setStatus('delivered');
      return state;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const cause = error.cause;
      const failureType = cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
      state.lastError = cause?.message ?? error.message;
      const deadLetter = await recordDeadLetter({
        stage: 'delivery', eventId: input.eventId, sourceId: input.sourceId, deliveryId: input.deliveryId, subscriptionId: input.subscriptionId,
        reason: deadLetterReasonFor(failureType), lastError: state.lastError,
      });
      state.deadLetterId = deadLetter.deadLetterId;
      state.attempts = deadLetter.attempts;
      setStatus('dead_lettered');
    }
    const decision = await awaitOperatorDecision(control, input.policies.deadLetterReplayWindowMs);
    if (decision === 'expired') return state;
    if (decision === 'discard') {
      await markDiscarded({ deliveryId: input.deliveryId, eventId: input.eventId });
      setStatus('discarded');
      return state;
    }
    await replay();
  }
}
