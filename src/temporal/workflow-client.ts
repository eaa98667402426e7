// The one place that starts and signals Hookflow's workflows: by function reference and by the
// signal definitions workflows install, never by name strings.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
} from '@temporalio/client';
import { searchAttributes, searchAttributesOf } from '../domain/search-attributes.js';
import { admissionRequestSignal, replaySignal } from '../domain/signals.js';
import { workflowIds } from '../domain/workflow-ids.js';
import type {
  AdmissionInput,
  EventWorkflowInput,
  OperatorRequest,
  RedeliveryWorkflowInput,
} from '../domain/workflow-io.js';
import { dispatcherWorkflow } from '../workflows/dispatcher-workflow.js';
import { eventWorkflow } from '../workflows/event-workflow.js';
import { redeliveryWorkflow } from '../workflows/redelivery-workflow.js';

// gRPC codes meaning "not now": CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, UNAVAILABLE.
const TRANSIENT_GRPC_CODES = new Set([1, 4, 8, 10, 14]);

/** Whether a call failed because Temporal could not be reached in time (worth a 503 + retry). */
function isUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    if (typeof e.code === 'number' && TRANSIENT_GRPC_CODES.has(e.code)) return true;
  }
  return false;
}

/** Temporal did not take the workflow: nothing may be acknowledged. */
export class TemporalUnavailable extends Error {
  override name = 'TemporalUnavailable';
}

export interface StartEventOptions {
  taskQueue: string;
  /** Upper bound on how long the caller waits for Temporal before giving up. */
  timeoutMs?: number;
}

/**
 * Starts the event workflow `event:<sourceId>:<key>`. Workflow-id uniqueness (REJECT_DUPLICATE, so
 * closed runs count too) is the deduplication: `duplicate: true` means a run for this (source, key)
 * already exists. Search attributes are upserted by the workflow's first task, not sent here: that
 * keeps the start cheap for Temporal (about 20% more starts/s on the dev server, see bench/).
 */
export async function startEvent(
  client: Client,
  input: EventWorkflowInput,
  options: StartEventOptions,
): Promise<{ workflowId: string; duplicate: boolean }> {
  const workflowId = workflowIds.event(input.sourceId, input.idempotencyKey);
  try {
    await client.connection.withDeadline(Date.now() + (options.timeoutMs ?? 10_000), () =>
      client.workflow.start(eventWorkflow, {
        workflowId,
        taskQueue: options.taskQueue,
        args: [input],
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        memo: { traceId: input.traceId },
        staticSummary: `${input.eventType} from ${input.sourceId}`,
      }),
    );
    return { workflowId, duplicate: false };
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, duplicate: true };
    if (isUnavailable(error))
      throw new TemporalUnavailable(`could not start ${workflowId}: ${(error as Error).message}`, { cause: error });
    throw error;
  }
}

/**
 * Runs one lane in `redeliveryWorkflow` (`delivery:<eventId>:<subscriptionId>`) by signal-with-start:
 * a running redelivery of the same pair just gets the signal; a closed one is followed by a new run.
 */
export async function redeliver(client: Client, taskQueue: string, input: RedeliveryWorkflowInput): Promise<string> {
  const workflowId = workflowIds.delivery(input.event.eventId, input.lane.subscriptionId);
  await client.workflow.signalWithStart(redeliveryWorkflow, {
    workflowId,
    taskQueue,
    args: [input],
    signal: replaySignal,
    signalArgs: [{ deliveryId: input.lane.deliveryId, ...(input.reason ? { reason: input.reason } : {}) }],
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    memo: { traceId: input.event.traceId },
    staticSummary: `${input.event.eventType} from ${input.event.sourceId} → ${input.lane.subscriptionId} (${input.mode === 'resend' ? 'redelivery' : 'test'})`,
    typedSearchAttributes: searchAttributesOf.laneWorkflow(input.event, [input.lane.subscriptionId], 'delivering'),
  });
  return workflowId;
}

/** Re-runs an event whose processing dead letter outlived its workflow: a new run of `event:…` told it is a replay. */
export async function replayEvent(
  client: Client,
  taskQueue: string,
  input: EventWorkflowInput,
  request: OperatorRequest,
): Promise<string> {
  const workflowId = workflowIds.event(input.sourceId, input.idempotencyKey);
  await client.workflow.signalWithStart(eventWorkflow, {
    workflowId,
    taskQueue,
    args: [{ ...input, replay: true }],
    signal: replaySignal,
    signalArgs: [request],
    memo: { traceId: input.traceId },
    staticSummary: `${input.eventType} from ${input.sourceId} (replay)`,
  });
  return workflowId;
}

/**
 * Asks a subscription's dispatcher (`dispatcher:<subscriptionId>[:<keyHash>]`) for a slot by
 * signal-with-start: the first lane starts it, later lanes signal the running one.
 */
export async function requestAdmission(client: Client, taskQueue: string, input: AdmissionInput): Promise<void> {
  await client.workflow.signalWithStart(dispatcherWorkflow, {
    workflowId: input.dispatcherId,
    taskQueue,
    args: [
      {
        subscriptionId: input.subscriptionId,
        maxInFlight: input.request.maxInFlight,
        fifo: input.fifo,
        ...(input.orderingKeyHash !== undefined ? { orderingKeyHash: input.orderingKeyHash } : {}),
        reorderWindowMs: input.reorderWindowMs,
        admissionsPerRun: input.admissionsPerRun,
      },
    ],
    signal: admissionRequestSignal,
    signalArgs: [input.request],
    staticSummary: `admits deliveries to ${input.subscriptionId} (at most ${input.request.maxInFlight} at a time)`,
    typedSearchAttributes: [{ key: searchAttributes.subscriptionIds, value: [input.subscriptionId] }],
  });
}
