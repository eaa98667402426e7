// The writes of the dead-letter lifecycle (docs/architecture.md, "Dead letters"). Only the workflow
// holding a dead letter runs them, through its activities: one writer per record.
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { DeadLetterInput, DeadLetterSubject } from '../domain/workflow-io.js';
import { newId } from '../ids.js';
import type { Database } from './client.js';
import { deadLetters, deliveries, events } from './schema.js';

/** The dead letter of a delivery, or the processing dead letter of an event. */
function deadLetterOf(subject: DeadLetterSubject): SQL {
  return subject.deliveryId
    ? eq(deadLetters.deliveryId, subject.deliveryId)
    : and(eq(deadLetters.eventId, subject.eventId), eq(deadLetters.stage, 'processing'))!;
}

/** Opens (or reopens: one row per delivery, or per event's processing) the dead letter and marks its delivery or event. */
export function writeDeadLetter(
  db: Database,
  input: DeadLetterInput,
  workflowId: string,
): Promise<{ deadLetterId: string; attempts: number }> {
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
    const reopen = { status: 'open' as const, reason: input.reason, lastError, attempts, workflowId, resolvedAt: null };
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
          ? { target: deadLetters.deliveryId, targetWhere: sql`${deadLetters.deliveryId} is not null`, set: reopen }
          : { target: deadLetters.eventId, targetWhere: sql`${deadLetters.stage} = 'processing'`, set: reopen },
      )
      .returning({ id: deadLetters.id });
    return { deadLetterId: row!.id, attempts };
  });
}

/**
 * A replay (or resend) begins: an open dead letter becomes `replayed`, the delivery `replaying`
 * under this workflow (the event `processing` for a processing dead letter), and both replay counts
 * go up. Returns the dead letter it closed and the delivery's (or dead letter's) replay count.
 */
export function writeReplaying(
  db: Database,
  subject: DeadLetterSubject,
  workflowId: string,
): Promise<{ deadLetterId: string | undefined; replayCount: number }> {
  return db.transaction(async (tx) => {
    const [deadLetter] = await tx
      .update(deadLetters)
      .set({ status: 'replayed', replayCount: sql`${deadLetters.replayCount} + 1`, resolvedAt: new Date(), workflowId })
      .where(and(deadLetterOf(subject), eq(deadLetters.status, 'open')))
      .returning({ id: deadLetters.id, replayCount: deadLetters.replayCount });
    let replayCount = deadLetter?.replayCount ?? 0;
    if (subject.deliveryId) {
      const [delivery] = await tx
        .update(deliveries)
        .set({ status: 'replaying', replayCount: sql`${deliveries.replayCount} + 1`, workflowId })
        .where(eq(deliveries.id, subject.deliveryId))
        .returning({ replayCount: deliveries.replayCount });
      replayCount = Math.max(replayCount, delivery?.replayCount ?? 0);
    } else {
      await tx.update(events).set({ status: 'processing' }).where(eq(events.id, subject.eventId));
    }
    return { deadLetterId: deadLetter?.id, replayCount };
  });
}

/** A discard: the open dead letter closes without delivery, and its delivery is `discarded`. */
export async function writeDiscarded(db: Database, subject: DeadLetterSubject): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .update(deadLetters)
      .set({ status: 'discarded', resolvedAt: new Date() })
      .where(and(deadLetterOf(subject), eq(deadLetters.status, 'open')));
    if (subject.deliveryId)
      await tx.update(deliveries).set({ status: 'discarded' }).where(eq(deliveries.id, subject.deliveryId));
  });
}
