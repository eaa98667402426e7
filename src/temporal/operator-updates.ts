// Operator decisions about dead letters, as the workflows' `replayDeadLetter`/`discardDeadLetter`
// Updates: the workflow holding a dead letter is the only writer of its rows (docs/architecture.md,
// "Dead letters"), and the Update's answer says what it did.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { discardDeadLetterUpdate, replayDeadLetterUpdate } from '../domain/signals.js';
import { workflowIds } from '../domain/workflow-ids.js';
import type {
  EventWorkflowInput,
  OperatorOutcome,
  OperatorRequest,
  RedeliveryWorkflowInput,
} from '../domain/workflow-io.js';
import { eventWorkflow } from '../workflows/event-workflow.js';
import { redeliveryWorkflow } from '../workflows/redelivery-workflow.js';

/** How a workflow answered an operator decision. */
export type OperatorAnswer =
  | { kind: 'done'; outcome: OperatorOutcome }
  /** Its validator refused: nothing of it is waiting for a decision (the reason says so). */
  | { kind: 'refused'; reason: string }
  /** The workflow has closed: the caller falls back to a workflow of its own. */
  | { kind: 'closed' };

const updates = { replay: replayDeadLetterUpdate, discard: discardDeadLetterUpdate };

/** Sends `replayDeadLetter` or `discardDeadLetter` to a workflow and waits for its answer. */
export async function decideDeadLetter(
  client: Client,
  workflowId: string,
  kind: keyof typeof updates,
  request: OperatorRequest,
): Promise<OperatorAnswer> {
  const handle = client.workflow.getHandle(workflowId);
  try {
    return { kind: 'done', outcome: await handle.executeUpdate(updates[kind], { args: [request] }) };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return { kind: 'closed' };
    if (!(error instanceof WorkflowUpdateFailedError)) throw error;
    // A workflow that completed before taking the Update fails it too: that is a closed workflow, not a refusal.
    if ((await handle.describe()).status.name !== 'RUNNING') return { kind: 'closed' };
    return { kind: 'refused', reason: (error.cause as Error | undefined)?.message ?? error.message };
  }
}

/** Thrown when a discard after close finds a redelivery of the same delivery running. */
export class RedeliveryRunning extends Error {
  override name = 'RedeliveryRunning';
}

/**
 * Discards a delivery's dead letter after its event workflow closed: a `delivery:` run in `discard`
 * mode writes it, and this resolves once it has.
 */
export async function discardInRedelivery(
  client: Client,
  taskQueue: string,
  input: RedeliveryWorkflowInput,
): Promise<string> {
  const workflowId = workflowIds.delivery(input.event.eventId, input.lane.subscriptionId);
  try {
    await client.workflow.execute(redeliveryWorkflow, {
      workflowId,
      taskQueue,
      args: [{ ...input, mode: 'discard' }],
      memo: { traceId: input.event.traceId },
      staticSummary: `${input.event.eventType} from ${input.event.sourceId} → ${input.lane.subscriptionId} (discard)`,
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      throw new RedeliveryRunning(`${workflowId} is running: discard its dead letter when it has one`);
    throw error;
  }
  return workflowId;
}

/** Discards an event's processing dead letter after its workflow closed: a run of `event:…` that only closes it. */
export async function discardInEventRun(client: Client, taskQueue: string, input: EventWorkflowInput): Promise<string> {
  const workflowId = workflowIds.event(input.sourceId, input.idempotencyKey);
  await client.workflow.execute(eventWorkflow, {
    workflowId,
    taskQueue,
    args: [{ ...input, discard: true }],
    memo: { traceId: input.traceId },
    staticSummary: `${input.eventType} from ${input.sourceId} (discard)`,
  });
  return workflowId;
}
