// Operator decisions about dead letters, as the workflows' `replayDeadLetter`/`discardDeadLetter`
// Updates: the workflow holding a dead letter is the only writer of its rows (docs/architecture.md,
// "Dead letters"), and the Update's answer says what it did.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { discardDeadLetterUpdate, replayDeadLetterUpdate } from '../domain/signals.js';
import type { OperatorOutcome, OperatorRequest } from '../domain/workflow-io.js';

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
