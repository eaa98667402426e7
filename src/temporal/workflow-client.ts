import { WorkflowIdConflictPolicy, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { eventWorkflow } from '../workflows/event-workflow.js';
import type { redeliveryWorkflow } from '../workflows/fanout-workflow.js';
import { discardSignal, replaySignal } from '../workflows/signals.js';
import type { EventWorkflowInput, OperatorRequest, RedeliveryWorkflowInput } from '../workflows/types.js';
import { workflowIds } from '../workflow-ids.js';
import { searchAttributes } from './search-attributes.js';

/**
 * Signals `replay` or `discard` to a running workflow. Resolves false when that workflow has
 * closed (its replay window is over), so the caller can fall back to a redelivery.
 */
export async function signalOperator(client: Client, workflowId: string, kind: 'replay' | 'discard', request: OperatorRequest): Promise<boolean> {
  try {
    await client.workflow.getHandle(workflowId).signal(kind === 'replay' ? replaySignal : discardSignal, request);
    return true;
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/**
 * Runs one lane in `redeliveryWorkflow` (`delivery:<eventId>:<subscriptionId>`) by signal-with-start:
 * a running redelivery of the same pair just gets the signal; a closed one is followed by a new run.
 */
export async function startRedelivery(client: Client, taskQueue: string, input: RedeliveryWorkflowInput): Promise<string> {
  const workflowId = workflowIds.delivery(input.event.eventId, input.lane.subscriptionId);
  await client.workflow.signalWithStart<typeof redeliveryWorkflow, [OperatorRequest?]>('redeliveryWorkflow', {
    workflowId, taskQueue, args: [input],
    signal: replaySignal, signalArgs: [{ deliveryId: input.lane.deliveryId, ...(input.reason ? { reason: input.reason } : {}) }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    memo: { traceId: input.event.traceId },
    staticSummary: `${input.event.eventType} from ${input.event.sourceId} → ${input.lane.subscriptionId} (${input.mode === 'resend' ? 'redelivery' : 'test'})`,
    typedSearchAttributes: [
      { key: searchAttributes.source, value: input.event.sourceId }, { key: searchAttributes.eventType, value: input.event.eventType },
      { key: searchAttributes.eventId, value: input.event.eventId }, { key: searchAttributes.subscriptionIds, value: [input.lane.subscriptionId] },
      { key: searchAttributes.status, value: 'delivering' },
    ],
  });
  return workflowId;
}

/** Re-runs an event whose processing dead letter outlived its workflow: a new run of `event:…` told it is a replay. */
export async function startEventReplay(client: Client, taskQueue: string, workflowId: string, input: EventWorkflowInput, request: OperatorRequest): Promise<void> {
  await client.workflow.signalWithStart<typeof eventWorkflow, [OperatorRequest?]>('eventWorkflow', {
    workflowId, taskQueue, args: [{ ...input, replay: true }], signal: replaySignal, signalArgs: [request],
    memo: { traceId: input.traceId },
    staticSummary: `${input.eventType} from ${input.sourceId} (replay)`,
  });
}
