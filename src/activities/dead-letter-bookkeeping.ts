import type { DeadLetterInput, DeadLetterSubject } from '../domain/workflow-io.js';
import { writeDeadLetter, writeDiscarded, writeReplaying } from '../db/dead-letter-writes.js';
import { currentWorkflowExecution } from './current-workflow.js';
import type { ActivityDependencies } from './deps.js';

type Decided = DeadLetterSubject & { reason?: string | undefined };

/** Dead-letter bookkeeping, run only by the workflow holding the dead letter (its one writer). */
export function deadLetterActivities(deps: ActivityDependencies) {
  return {
    recordDeadLetter: recordDeadLetterActivity(deps),
    markReplaying: markReplayingActivity(deps),
    markDiscarded: markDiscardedActivity(deps),
  };
}

/** Opens (or reopens) the dead letter and marks the delivery or event dead-lettered. */
function recordDeadLetterActivity({ db, logger, metrics }: ActivityDependencies) {
  return async function recordDeadLetter(input: DeadLetterInput): Promise<{ deadLetterId: string; attempts: number }> {
    const { workflowId } = currentWorkflowExecution();
    const written = await writeDeadLetter(db, input, workflowId);
    metrics?.deadLettered.inc({ stage: input.stage, reason: input.reason });
    logger.warn(
      {
        event: 'dead_lettered',
        deadLetterId: written.deadLetterId,
        workflowId,
        eventId: input.eventId,
        deliveryId: input.deliveryId,
        reason: input.reason,
        attempts: written.attempts,
      },
      'dead-lettered',
    );
    return written;
  };
}

/** A replay (or resend) begins: returns the delivery's (or event's) replay count. */
function markReplayingActivity({ db, logger }: ActivityDependencies) {
  return async function markReplaying(input: Decided): Promise<{ replayCount: number }> {
    const { workflowId } = currentWorkflowExecution();
    const { deadLetterId, replayCount } = await writeReplaying(db, input, workflowId);
    logger.info(
      {
        event: 'replay_requested',
        workflowId,
        deadLetterId,
        eventId: input.eventId,
        deliveryId: input.deliveryId,
        reason: input.reason,
      },
      'replay started',
    );
    return { replayCount };
  };
}

/** A discard arrived: the dead letter closes without delivery. */
function markDiscardedActivity({ db, logger }: ActivityDependencies) {
  return async function markDiscarded(input: Decided): Promise<void> {
    const { workflowId } = currentWorkflowExecution();
    await writeDiscarded(db, input);
    logger.info(
      { event: 'discarded', workflowId, eventId: input.eventId, deliveryId: input.deliveryId, reason: input.reason },
      'dead letter discarded',
    );
  };
}
