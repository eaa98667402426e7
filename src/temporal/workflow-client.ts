// The one place that starts Hookflow's workflows: by function reference and by the signal
// definitions workflows install, never by name strings.
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  WorkflowIdReusePolicy,
  type Client,
} from '@temporalio/client';
import type { Config } from '../config.js';
import type { WorkflowPolicies } from '../domain/workflow-policies.js';
import { searchAttributes, searchAttributesOf } from '../domain/search-attributes.js';
import { admissionRequestSignal, replaySignal } from '../domain/signals.js';
import { workflowIds } from '../domain/workflow-ids.js';
import type {
  AdmissionInput,
  EventData,
  EventWorkflowInput,
  LaneData,
  OperatorRequest,
  RecoverScope,
} from '../domain/workflow-io.js';
import { dispatcherWorkflow } from '../workflows/dispatcher-workflow.js';
import { eventWorkflow } from '../workflows/event-workflow.js';
import { recoverWorkflow } from '../workflows/recover-workflow.js';
import { redeliveryWorkflow } from '../workflows/redelivery-workflow.js';
import { buildPolicies } from './policies-from-config.js';

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

/** A recovery's page (one activity, one heartbeat per delivery) and pages per run before it continues as new. */
const RECOVER_PAGE_SIZE = 100;
const RECOVER_PAGES_PER_RUN = 50;

/** Temporal did not take the workflow: nothing may be acknowledged. */
export class TemporalUnavailable extends Error {
  override name = 'TemporalUnavailable';
}

/** Thrown when a discard after close finds a redelivery of the same delivery running. */
export class RedeliveryRunning extends Error {
  override name = 'RedeliveryRunning';
}

/**
 * Starts Hookflow's workflows. Built once per process from config: it owns the task queue and the
 * policies every workflow input carries, so callers pass event data only.
 */
export class WorkflowStarter {
  readonly policies: WorkflowPolicies;
  private readonly taskQueue: string;

  constructor(
    readonly client: Client,
    private readonly config: Config,
  ) {
    this.policies = buildPolicies(config);
    this.taskQueue = config.TEMPORAL_TASK_QUEUE;
  }

  /** The event workflow's input for an event. */
  eventInput(event: EventData): EventWorkflowInput {
    return { ...event, policies: this.policies };
  }

  /**
   * Starts the event workflow `event:<sourceId>:<key>`. Workflow-id uniqueness (REJECT_DUPLICATE, so
   * closed runs count too) is the deduplication: `duplicate: true` means a run for this (source, key)
   * already exists. Search attributes are upserted by the workflow, not sent here: that keeps the
   * start cheap for Temporal (about 20% more starts/s on the dev server, see bench/).
   */
  async startEvent(event: EventData, timeoutMs = 10_000): Promise<{ workflowId: string; duplicate: boolean }> {
    const workflowId = workflowIds.event(event.sourceId, event.idempotencyKey);
    try {
      await this.client.connection.withDeadline(Date.now() + timeoutMs, () =>
        this.client.workflow.start(eventWorkflow, {
          workflowId,
          taskQueue: this.taskQueue,
          args: [this.eventInput(event)],
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
          memo: { traceId: event.traceId },
          staticSummary: `${event.eventType} from ${event.sourceId}`,
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

  /** Re-runs an event whose processing dead letter outlived its workflow: a new run of `event:…` told it is a replay. */
  async replayEvent(event: EventData, request: OperatorRequest): Promise<string> {
    const workflowId = workflowIds.event(event.sourceId, event.idempotencyKey);
    await this.client.workflow.signalWithStart(eventWorkflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [{ ...this.eventInput(event), replay: true }],
      signal: replaySignal,
      signalArgs: [request],
      memo: { traceId: event.traceId },
      staticSummary: `${event.eventType} from ${event.sourceId} (replay)`,
    });
    return workflowId;
  }

  /** Discards an event's processing dead letter after its workflow closed: a run of `event:…` that only closes it. */
  async discardInEventRun(event: EventData): Promise<string> {
    const workflowId = workflowIds.event(event.sourceId, event.idempotencyKey);
    await this.client.workflow.execute(eventWorkflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [{ ...this.eventInput(event), discard: true }],
      memo: { traceId: event.traceId },
      staticSummary: `${event.eventType} from ${event.sourceId} (discard)`,
    });
    return workflowId;
  }

  /**
   * Runs one lane in `redeliveryWorkflow` (`delivery:<eventId>:<subscriptionId>`) by signal-with-start:
   * a running redelivery of the same pair just gets the signal; a closed one is followed by a new run.
   */
  async redeliver(lane: LaneData): Promise<string> {
    const workflowId = workflowIds.delivery(lane.event.eventId, lane.lane.subscriptionId);
    await this.client.workflow.signalWithStart(redeliveryWorkflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [{ ...lane, policies: this.policies }],
      signal: replaySignal,
      signalArgs: [{ deliveryId: lane.lane.deliveryId, ...(lane.reason ? { reason: lane.reason } : {}) }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      memo: { traceId: lane.event.traceId },
      staticSummary: `${lane.event.eventType} from ${lane.event.sourceId} → ${lane.lane.subscriptionId} (${lane.mode === 'resend' ? 'redelivery' : 'test'})`,
      typedSearchAttributes: searchAttributesOf.laneWorkflow(lane.event, [lane.lane.subscriptionId], 'delivering'),
    });
    return workflowId;
  }

  /**
   * Discards a delivery's dead letter after its event workflow closed: a `delivery:` run in `discard`
   * mode writes it, and this resolves once it has.
   */
  async discardInRedelivery(lane: LaneData): Promise<string> {
    const workflowId = workflowIds.delivery(lane.event.eventId, lane.lane.subscriptionId);
    try {
      await this.client.workflow.execute(redeliveryWorkflow, {
        workflowId,
        taskQueue: this.taskQueue,
        args: [{ ...lane, mode: 'discard', policies: this.policies }],
        memo: { traceId: lane.event.traceId },
        staticSummary: `${lane.event.eventType} from ${lane.event.sourceId} → ${lane.lane.subscriptionId} (discard)`,
      });
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError)
        throw new RedeliveryRunning(`${workflowId} is running: discard its dead letter when it has one`);
      throw error;
    }
    return workflowId;
  }

  /**
   * Starts `recover:<subscriptionId>:<ulid>`, which resends the subscription's deliveries of
   * `[since, until)` (README "Recover a time window"); returns its workflow id.
   */
  async startRecovery(request: {
    recoveryUlid: string;
    subscriptionId: string;
    since: Date;
    until: Date;
    scope: RecoverScope;
  }): Promise<string> {
    const workflowId = workflowIds.recover(request.subscriptionId, request.recoveryUlid);
    await this.client.workflow.start(recoverWorkflow, {
      workflowId,
      taskQueue: this.taskQueue,
      args: [
        {
          subscriptionId: request.subscriptionId,
          since: request.since.toISOString(),
          until: request.until.toISOString(),
          scope: request.scope,
          ratePerSecond: this.config.RECOVER_RATE_PER_SECOND,
          // A page is at most a second of the rate's budget, so resends go out evenly rather than in bursts.
          pageSize: Math.min(RECOVER_PAGE_SIZE, this.config.RECOVER_RATE_PER_SECOND),
          pagesPerRun: RECOVER_PAGES_PER_RUN,
          progress: { scanned: 0, redelivered: 0, replayed: 0, inProgress: 0, done: false, cursor: null },
        },
      ],
      staticSummary: `resends ${request.scope === 'all' ? 'every delivery' : 'the dead-lettered deliveries'} of ${request.subscriptionId} from ${request.since.toISOString()} to ${request.until.toISOString()}`,
      typedSearchAttributes: [
        { key: searchAttributes.subscriptionIds, value: [request.subscriptionId] },
        { key: searchAttributes.status, value: 'recovering' },
      ],
    });
    return workflowId;
  }

  /**
   * Asks a subscription's dispatcher (`dispatcher:<subscriptionId>[:<keyHash>]`) for a slot by
   * signal-with-start: the first lane starts it, later lanes signal the running one.
   */
  async requestAdmission(input: AdmissionInput): Promise<void> {
    await this.client.workflow.signalWithStart(dispatcherWorkflow, {
      workflowId: input.dispatcherId,
      taskQueue: this.taskQueue,
      args: [
        {
          subscriptionId: input.subscriptionId,
          maxInFlight: input.request.maxInFlight,
          fifo: input.fifo,
          ...(input.orderingKeyHash !== undefined ? { orderingKeyHash: input.orderingKeyHash } : {}),
          // Only FIFO needs the reorder window: a plain cap admits in any order, at once.
          reorderWindowMs: input.fifo ? this.config.ORDERING_REORDER_WINDOW : 0,
          admissionsPerRun: this.config.DISPATCHER_ADMISSIONS_PER_RUN,
        },
      ],
      signal: admissionRequestSignal,
      signalArgs: [input.request],
      staticSummary: `admits deliveries to ${input.subscriptionId} (at most ${input.request.maxInFlight} at a time)`,
      typedSearchAttributes: [{ key: searchAttributes.subscriptionIds, value: [input.subscriptionId] }],
    });
  }
}
