import { and, eq, sql, type SQL } from 'drizzle-orm';
import { deadLetters, deliveries, events } from '../db/schema.js';
import { newId } from '../ids.js';
import type { DeadLetterInput } from '../domain/workflow-io.js';
import { currentWorkflowExecution } from './current-workflow.js';
import type { ActivityDependencies } from './deps.js';

/** What a dead letter is about: one delivery, or (stage `processing`) one event. */
interface DeadLetterSubject {
  deliveryId?: string | undefined;
  eventId: string;
}

/** The dead letter of a delivery, or the processing dead letter of an event. */
function deadLetterOf(subject: DeadLetterSubject): SQL {
  return subject.deliveryId
    ? eq(deadLetters.deliveryId, subject.deliveryId)
    : and(eq(deadLetters.eventId, subject.eventId), eq(deadLetters.stage, 'processing'))!;
}

/** Dead-letter bookkeeping; one row per delivery (or event's processing), reopened if a replay dies again. */
export function deadLetterActivities({ db, logger, metrics }: ActivityDependencies) {
  return {
    /** Opens (or reopens) the dead letter and marks the delivery or event dead-lettered. */
    async recordDeadLetter(input: DeadLetterInput): Promise<{ deadLetterId: string; attempts: number }> {
      const { workflowId } = currentWorkflowExecution();
      return db.transaction(async (tx) => {
        let attempts = 0;
        if (input.deliveryId) {
          const [row] = await tx
            .update(deliveries)
            .set({ status: 'dead_lettered' })
            .where(eq(deliveries.id, input.deliveryId))
            .returning({ attempts: deliveries.attempts });
          attempts = row?.attempts ?? 0;
        } else {
          await tx.update(events).set({ status: 'dead_lettered' }).where(eq(events.id, input.eventId));
        }
        const lastError = input.lastError.slice(0, 2_000);
        const [row] = await tx
          .insert(deadLetters)
          .values({
            id: newId('dlq'),
            stage: input.stage,
            eventId: input.eventId,
            deliveryId: input.deliveryId,
            subscriptionId: input.subscriptionId,
            sourceId: input.sourceId,
            reason: input.reason,
            lastError,
            attempts,
            status: 'open',
            workflowId,
          })
          .onConflictDoUpdate(
            input.deliveryId
              ? {
                  target: deadLetters.deliveryId,
                  targetWhere: sql`${deadLetters.deliveryId} is not null`,
                  set: { status: 'open', reason: input.reason, lastError, attempts, workflowId, resolvedAt: null },
                }
              : {
                  target: deadLetters.eventId,
                  targetWhere: sql`${deadLetters.stage} = 'processing'`,
                  set: { status: 'open', reason: input.reason, lastError, attempts, workflowId, resolvedAt: null },
                },
          )
          .returning({ id: deadLetters.id });
        metrics?.deadLettered.inc({ stage: input.stage, reason: input.reason });
        logger.warn(
          {
            event: 'dead_lettered',
            deadLetterId: row!.id,
            workflowId,
            eventId: input.eventId,
            deliveryId: input.deliveryId,
            reason: input.reason,
            attempts,
          },
          'dead-lettered',
        );
        return { deadLetterId: row!.id, attempts };
      });
    },

    /**
     * A replay (or resend) begins: an open dead letter becomes `replayed`, the delivery `replaying`
     * under this workflow, and both replay counts go up. Returns the delivery's (or event's) count.
     */
    async markReplaying(input: DeadLetterSubject & { reason?: string | undefined }): Promise<{ replayCount: number }> {
      const { workflowId } = currentWorkflowExecution();
      return db.transaction(async (tx) => {
        const [deadLetter] = await tx
          .update(deadLetters)
          .set({
            status: 'replayed',
            replayCount: sql`${deadLetters.replayCount} + 1`,
            resolvedAt: new Date(),
            workflowId,
          })
          .where(and(deadLetterOf(input), eq(deadLetters.status, 'open')))
          .returning({ id: deadLetters.id, replayCount: deadLetters.replayCount });
        let replayCount = deadLetter?.replayCount ?? 0;
        if (input.deliveryId) {
          const [delivery] = await tx
            .update(deliveries)
            .set({ status: 'replaying', replayCount: sql`${deliveries.replayCount} + 1`, workflowId })
            .where(eq(deliveries.id, input.deliveryId))
            .returning({ replayCount: deliveries.replayCount });
          replayCount = Math.max(replayCount, delivery?.replayCount ?? 0);
        } else {
          await tx.update(events).set({ status: 'processing' }).where(eq(events.id, input.eventId));
        }
        logger.info(
          {
            event: 'replay_requested',
            workflowId,
            deadLetterId: deadLetter?.id,
            eventId: input.eventId,
            deliveryId: input.deliveryId,
            reason: input.reason,
          },
          'replay started',
        );
        return { replayCount };
      });
    },

    /** A discard arrived: the dead letter closes without delivery. */
    async markDiscarded(input: DeadLetterSubject & { reason?: string | undefined }): Promise<void> {
      const { workflowId } = currentWorkflowExecution();
      await db.transaction(async (tx) => {
        await tx
          .update(deadLetters)
          .set({ status: 'discarded', resolvedAt: new Date() })
          .where(and(deadLetterOf(input), eq(deadLetters.status, 'open')));
        if (input.deliveryId)
          await tx.update(deliveries).set({ status: 'discarded' }).where(eq(deliveries.id, input.deliveryId));
      });
      logger.info(
        { event: 'discarded', workflowId, eventId: input.eventId, deliveryId: input.deliveryId, reason: input.reason },
        'dead letter discarded',
      );
    },
  };
}
