import { currentWorkflowExecution } from './current-workflow.js';
import { eq } from 'drizzle-orm';
import { removeRecordedOutboxRow } from '../db/ingress-outbox.js';
import { enabledSubscriptions, sourceProcessor } from '../db/routing.js';
import { events } from '../db/schema.js';
import type { EventWorkflowInput, RecordEventResult } from '../domain/workflow-io.js';
import type { ActivityDependencies } from './deps.js';
import { eventRouter, type RoutableEvent } from './event-routing.js';

/** The ledger row the input becomes, as routing reads it. */
const ledgerRowOf = (input: EventWorkflowInput): RoutableEvent => ({
  id: input.eventId,
  sourceId: input.sourceId,
  eventType: input.eventType,
  payload: input.payload,
  processedPayload: null,
  headers: input.headers,
  receivedAt: new Date(input.receivedAt),
});

/**
 * Inserts the event into the idempotency ledger. A conflicting row written by another run means
 * the key was seen before (possibly beyond Temporal's retention): the caller treats it as a duplicate.
 * A row written by this very run is a retry of this activity, not a duplicate.
 *
 * An event whose source has no processor (passthrough) is routed here too, in the same local
 * activity: its subscriptions are read while the row is written, and the workflow skips
 * `processEvent` when the result carries the routes (docs/architecture.md, "Activities"). Runs
 * recorded before this answer had no routes and call `processEvent`, as they did when written.
 */
export function recordEventActivity(deps: ActivityDependencies) {
  const { db } = deps;
  const route = eventRouter(deps);
  return async function recordEvent(input: EventWorkflowInput): Promise<RecordEventResult> {
    // An operator's replay after the window marks the replay before it routes: processEvent routes it.
    const routable = !input.replay;
    const [result, processor, subscriptions] = await Promise.all([
      recordInLedger(input),
      routable ? sourceProcessor(db, input.sourceId) : undefined,
      routable ? enabledSubscriptions(db) : undefined,
    ]);
    // A relayed webhook's outbox row kept it visible (to FIFO dispatchers, to duplicates) until now.
    const outboxRowGone = input.spilled ? removeRecordedOutboxRow(db, input.sourceId, input.idempotencyKey) : undefined;
    if (!result.recorded || processor?.name !== 'passthrough' || !subscriptions) {
      await outboxRowGone;
      return result;
    }
    const [deliveries] = await Promise.all([
      route(ledgerRowOf(input), currentWorkflowExecution().workflowId, subscriptions),
      outboxRowGone,
    ]);
    return { recorded: true, routed: { deliveries } };
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
