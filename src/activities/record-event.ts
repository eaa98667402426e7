import { currentWorkflowExecution } from './current-workflow.js';
import { eq } from 'drizzle-orm';
import { removeRecordedOutboxRow } from '../db/ingress-outbox.js';
import { events } from '../db/schema.js';
import type { EventWorkflowInput, RecordEventResult } from '../domain/workflow-io.js';
import type { ActivityDependencies } from './deps.js';

/**
 * Inserts the event into the idempotency ledger. A conflicting row written by another run means
 * the key was seen before (possibly beyond Temporal's retention): the caller treats it as a duplicate.
 * A row written by this very run is a retry of this activity, not a duplicate.
 */
export function recordEventActivity({ db }: ActivityDependencies) {
  return async function recordEvent(input: EventWorkflowInput): Promise<RecordEventResult> {
    const result = await recordInLedger(input);
    // A relayed webhook's outbox row kept it visible (to FIFO dispatchers, to duplicates) until now.
    if (input.spilled) await removeRecordedOutboxRow(db, input.sourceId, input.idempotencyKey);
    return result;
  };

  async function recordInLedger(input: EventWorkflowInput): Promise<RecordEventResult> {
    const workflowExecution = currentWorkflowExecution();
    const inserted = await db
      .insert(events)
      .values({
        id: input.eventId,
        sourceId: input.sourceId,
        idempotencyKey: input.idempotencyKey,
        eventType: input.eventType,
        payload: input.payload as object,
        payloadSha256: input.payloadSha256,
        headers: input.headers,
        receivedAt: new Date(input.receivedAt),
        // In the ledger, not routed yet: FIFO dispatchers wait for such events accepted before their head.
        status: 'received',
        workflowId: workflowExecution.workflowId,
        workflowRunId: workflowExecution.runId,
        traceId: input.traceId,
      })
      .onConflictDoNothing()
      .returning({ id: events.id });
    if (inserted.length > 0) return { recorded: true };
    const existing = await db.query.events.findFirst({
      where: eq(events.id, input.eventId),
      columns: { workflowRunId: true },
    });
    if (existing?.workflowRunId === workflowExecution.runId) return { recorded: true };
    if (input.replay && existing) {
      // An operator replay after the window re-runs the stored event under a new run.
      await db
        .update(events)
        .set({ workflowRunId: workflowExecution.runId, status: 'processing' })
        .where(eq(events.id, input.eventId));
      return { recorded: true };
    }
    return { recorded: false };
  }
}
