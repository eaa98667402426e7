import { ActivityFailure, ApplicationFailure, proxyActivities, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { HookflowActivities } from '../activities/index.js';
import { deadLetterReasonFor } from '../delivery/outcome.js';
import { OPERATIONAL_PREFIX } from '../delivery/subscription-matching.js';
import { searchAttributes } from '../temporal/search-attributes.js';
import { awaitOperatorDecision, listenToOperator, takeReplay } from './operator-control.js';
import { activityOptions } from './retry.js';
import type { DeliveryAttemptResult, DeliveryWorkflowInput, WorkflowState, WorkflowStatus } from './types.js';

/**
 * Delivers one event to one subscription under the delivery retry policy. On a dead letter it
 * waits for `replay` (fresh retry budget, same message id) or `discard`, up to the replay window.
 */
export async function deliveryWorkflow(input: DeliveryWorkflowInput): Promise<WorkflowState> {
  const state: WorkflowState = { status: 'delivering', attempts: 0, lastError: null, deadLetterId: null, replayCount: 0 };
  const control = listenToOperator(state);
  const options = activityOptions(input.policies);
  const { recordDeadLetter, markReplaying, markDiscarded, emitOperationalEventActivity } = proxyActivities<HookflowActivities>(options.bookkeeping);
  // Operational events about operational events would let two failing operator endpoints ping-pong.
  const reportsOperationalEvents = !input.eventType.startsWith(OPERATIONAL_PREFIX);

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

  /** Runs deliverWebhook under the retry policy; rate-limit waits happen on a timer and do not use up attempts. */
  const deliverWithinBudget = async (): Promise<Extract<DeliveryAttemptResult, { kind: 'delivered' }>> => {
    let spent = 0;
    for (;;) {
      const maximumAttempts = Math.max(1, input.policies.deliveryRetry.maximumAttempts - spent);
      const { deliverWebhook } = proxyActivities<HookflowActivities>({
        ...options.delivery, retry: { ...options.delivery.retry, maximumAttempts }, summary: `POST ${input.eventType} to ${input.subscriptionId}`,
      });
      const result = await deliverWebhook(input);
      if (result.kind === 'delivered') return result;
      spent += result.temporalAttempt - 1;
      await sleep(result.waitMs);
    }
  };

  // Started by signal-with-start after the replay window closed: this run is the replay.
  if (control.replays.length > 0) await replay();
  for (;;) {
    try {
      const result = await deliverWithinBudget();
      state.attempts = result.attempts;
      state.lastError = null;
      setStatus('delivered');
      if (state.replayCount > 0 && reportsOperationalEvents) {
        await emitOperationalEventActivity({
          type: 'hookflow.delivery.recovered', key: `${input.deliveryId}:${state.replayCount}`,
          data: { subscriptionId: input.subscriptionId, deliveryId: input.deliveryId, eventId: input.eventId, eventType: input.eventType, attempts: state.attempts, replayCount: state.replayCount },
        });
      }
      return state;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      const cause = error.cause;
      const failureType = cause instanceof ApplicationFailure ? cause.type ?? undefined : undefined;
      const reason = deadLetterReasonFor(failureType);
      state.lastError = cause?.message ?? error.message;
      const deadLetter = await recordDeadLetter({
        stage: 'delivery', eventId: input.eventId, sourceId: input.sourceId, deliveryId: input.deliveryId, subscriptionId: input.subscriptionId,
        reason, lastError: state.lastError,
      });
      state.deadLetterId = deadLetter.deadLetterId;
      state.attempts = deadLetter.attempts;
      setStatus('dead_lettered');
      if (reportsOperationalEvents) {
        await emitOperationalEventActivity({
          type: 'hookflow.delivery.dead_lettered', key: `${deadLetter.deadLetterId}:${state.replayCount}`,
          data: {
            subscriptionId: input.subscriptionId, deliveryId: input.deliveryId, eventId: input.eventId, eventType: input.eventType,
            deadLetterId: deadLetter.deadLetterId, reason, lastError: state.lastError, attempts: state.attempts,
          },
        });
      }
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
