import { eq, sql } from 'drizzle-orm';
import { deadLetters, deliveries, events } from '../db/schema.js';
import { newId } from '../ids.js';
import type { DeadLetterInput } from '../workflows/types.js';
import { currentWorkflowExecution } from './current-workflow.js';
import type { ActivityDependencies } from './deps.js';

/** Dead-letter bookkeeping; one row per workflow id, reopened if a replay dies again. */
export function deadLetterActivities({ db, logger, metrics }: ActivityDependencies) {
  return {
    /** Opens (or reopens) the dead letter and marks the delivery or event dead-lettered. */
    async recordDeadLetter(input: DeadLetterInput): Promise<{ deadLetterId: string; attempts: number }> {
      const { workflowId } = currentWorkflowExecution();
      return db.transaction(async (tx) => {
        let attempts = 0;
        if (input.deliveryId) {
          const [row] = await tx.update(deliveries).set({ status: 'dead_lettered' }).where(eq(deliveries.id, input.deliveryId)).returning({ attempts: deliveries.attempts });
          attempts = row?.attempts ?? 0;
        } else {
          await tx.update(events).set({ status: 'dead_lettered' }).where(eq(events.id, input.eventId));
        }
        const [row] = await tx
          .insert(deadLetters)
          .values({
            id: newId('dlq'), stage: input.stage, eventId: input.eventId, deliveryId: input.deliveryId, subscriptionId: input.subscriptionId,
            sourceId: input.sourceId, reason: input.reason, lastError: input.lastError.slice(0, 2_000), attempts, status: 'open', workflowId,
          })
          .onConflictDoUpdate({
            target: deadLetters.workflowId,
            set: { status: 'open', reason: input.reason, lastError: input.lastError.slice(0, 2_000), attempts, resolvedAt: null },
          })
          .returning({ id: deadLetters.id });
        metrics?.deadLettered.inc({ stage: input.stage, reason: input.reason });
        logger.warn({ event: 'dead_lettered', deadLetterId: row!.id, workflowId, eventId: input.eventId, deliveryId: input.deliveryId, reason: input.reason, attempts }, 'dead-lettered');
        return { deadLetterId: row!.id, attempts };
      });
    },

    /** A replay signal arrived: the dead letter is `replayed` and the delivery `replaying`. */
    async markReplaying(input: { deliveryId?: string; eventId: string; reason?: string }): Promise<{ replayCount: number }> {
      const { workflowId } = currentWorkflowExecution();
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(deadLetters)
          .set({ status: 'replayed', replayCount: sql`${deadLetters.replayCount} + 1`, resolvedAt: new Date() })
          .where(eq(deadLetters.workflowId, workflowId))
          .returning({ id: deadLetters.id, replayCount: deadLetters.replayCount });
        if (input.deliveryId) await tx.update(deliveries).set({ status: 'replaying' }).where(eq(deliveries.id, input.deliveryId));
        else await tx.update(events).set({ status: 'processing' }).where(eq(events.id, input.eventId));
        logger.info({ event: 'replay_requested', workflowId, deadLetterId: row?.id, eventId: input.eventId, deliveryId: input.deliveryId, reason: input.reason }, 'replay started');
        return { replayCount: row?.replayCount ?? 0 };
      });
    },

    /** A discard signal arrived: the dead letter closes without delivery. */
    async markDiscarded(input: { deliveryId?: string; eventId: string }): Promise<void> {
      const { workflowId } = currentWorkflowExecution();
      await db.transaction(async (tx) => {
        await tx.update(deadLetters).set({ status: 'discarded', resolvedAt: new Date() }).where(eq(deadLetters.workflowId, workflowId));
        if (input.deliveryId) await tx.update(deliveries).set({ status: 'discarded' }).where(eq(deliveries.id, input.deliveryId));
      });
    },
  };
}
