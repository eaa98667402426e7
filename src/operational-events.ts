import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from './config.js';
import { eventIdFor, normaliseIdempotencyKey } from './ids.js';
import { startEventWorkflow } from './ingress/start-event.js';
import { buildPolicies } from './temporal/policies.js';
import { workflowIds } from './workflow-ids.js';

/** The reserved source of Hookflow's own events (no partner source may take this id). */
export const OPERATIONAL_SOURCE = 'hookflow';

export type OperationalEventType = 'hookflow.subscription.disabled' | 'hookflow.delivery.dead_lettered' | 'hookflow.delivery.recovered';

export interface OperationalEvent {
  type: OperationalEventType;
  /** Makes the emission idempotent: the same key never produces a second event. */
  key: string;
  /** `subscriptionId` names the subscription the event is about; it never receives it. */
  data: { subscriptionId: string; [field: string]: unknown };
}

/**
 * Emits one of Hookflow's operational events through its own pipeline: an event workflow on the
 * reserved `hookflow` source, routed to subscriptions that ask for `hookflow.*` explicitly.
 */
export async function emitOperationalEvent(temporal: Client, config: Config, event: OperationalEvent): Promise<{ eventId: string; duplicate: boolean }> {
  const idempotencyKey = normaliseIdempotencyKey(`${event.type}:${event.key}`);
  const eventId = eventIdFor(OPERATIONAL_SOURCE, idempotencyKey);
  const payload = { ...event.data, occurredAt: new Date().toISOString() };
  const { duplicate } = await startEventWorkflow(
    temporal,
    {
      eventId, sourceId: OPERATIONAL_SOURCE, idempotencyKey, eventType: event.type, payload,
      payloadSha256: createHash('sha256').update(JSON.stringify(payload)).digest('hex'), headers: {},
      receivedAt: new Date().toISOString(), traceId: randomUUID(), policies: buildPolicies(config),
    },
    { taskQueue: config.TEMPORAL_TASK_QUEUE, workflowId: workflowIds.event(OPERATIONAL_SOURCE, idempotencyKey) },
  );
  return { eventId, duplicate };
}
