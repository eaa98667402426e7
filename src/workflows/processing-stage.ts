import { proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import type { EventWorkflowInput, RoutedDelivery, WorkflowState } from '../domain/workflow-io.js';
import { activityEnding } from './local-activity-failure.js';
import { OperatorMailbox } from './operator-mailbox.js';
import { activityOptions } from './retry.js';
import type { StatePublisher } from './workflow-state.js';

/**
 * An event's processing stage: runs the source's processor and routes the event. A failure that
 * outlasts its retries writes a processing dead letter and waits for `replay` or `discard` in its
 * own mailbox, as a lane does.
 */
export class ProcessingStage {
  readonly mailbox = new OperatorMailbox();
  // Local activities: short database work runs inside the workflow task, saving two round trips
  // through Temporal per event (measured in bench/; see README). Retries follow the same policy.
  private readonly local: Pick<HookflowActivities, 'processEvent'>;
  private readonly bookkeeping: Pick<HookflowActivities, 'recordDeadLetter' | 'markReplaying' | 'markDiscarded'>;

  constructor(
    private readonly input: EventWorkflowInput,
    private readonly state: WorkflowState,
    private readonly publisher: StatePublisher,
  ) {
    const options = activityOptions(input.policies);
    this.local = proxyLocalActivities<HookflowActivities>(options.processing);
    this.bookkeeping = proxyActivities<HookflowActivities>(options.bookkeeping);
  }

  /** The event's routes; undefined when its dead letter was discarded or its replay window closed. */
  async route(): Promise<RoutedDelivery[] | undefined> {
    for (;;) {
      try {
        const processed = await this.local.processEvent({
          eventId: this.input.eventId,
          workflowId: workflowInfo().workflowId,
        });
        return processed.deliveries;
      } catch (error) {
        // Read the same way live and on replay (a timed-out local activity is a bare TimeoutFailure on replay).
        const ended = activityEnding(error);
        if (!ended) throw error;
        if (!(await this.deadLetterAndAwaitReplay(ended.message))) return undefined;
      }
    }
  }

  /** Writes the processing dead letter and waits for a decision; true when it is to be processed again. */
  private async deadLetterAndAwaitReplay(lastError: string): Promise<boolean> {
    const { input, state, publisher } = this;
    state.lastError = lastError;
    this.mailbox.open();
    const deadLetter = await this.bookkeeping.recordDeadLetter({
      stage: 'processing',
      eventId: input.eventId,
      sourceId: input.sourceId,
      reason: 'processing_failed',
      lastError,
    });
    state.deadLetterId = deadLetter.deadLetterId;
    publisher.setStatus('dead_lettered');
    const decision = await this.mailbox.await(input.policies.deadLetterReplayWindowMs);
    if (!decision) return false;
    const applied = { stage: 'processing' as const, deliveryId: null };
    if (decision.kind === 'discard') {
      await this.bookkeeping.markDiscarded({ eventId: input.eventId, reason: decision.reason });
      decision.report({ ...applied, status: 'discarded', replayCount: state.replayCount });
      publisher.setStatus('discarded');
      return false;
    }
    state.replayCount = (
      await this.bookkeeping.markReplaying({ eventId: input.eventId, reason: decision.reason })
    ).replayCount;
    decision.report({ ...applied, status: 'replaying', replayCount: state.replayCount });
    publisher.setStatus('processing');
    return true;
  }
}
