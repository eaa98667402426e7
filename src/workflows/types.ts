// Types shared by workflows, activities and clients. Type-only: safe to import in the workflow sandbox.
import type { RetrySettings, WorkflowPolicies } from '../temporal/policies.js';

export type { RetrySettings, WorkflowPolicies };

/** Everything an event workflow needs, fixed at ingress (the event id is derived, not generated). */
export interface EventWorkflowInput {
  eventId: string;
  sourceId: string;
  idempotencyKey: string;
  eventType: string;
  payload: unknown;
  payloadSha256: string;
  headers: Record<string, string>;
  receivedAt: string;
  traceId: string;
  policies: WorkflowPolicies;
  /** Set when an operator replays a processing dead letter after the workflow closed. */
  replay?: boolean;
}

export type EventStatus = 'received' | 'processing' | 'dispatched' | 'duplicate' | 'dead_lettered' | 'skipped';

export interface RecordEventResult {
  /** False when another run already recorded this (source, key): the event is a duplicate. */
  recorded: boolean;
}
