import { createHash, randomUUID } from 'node:crypto';
import { OPERATIONAL_SOURCE } from '../domain/vocabulary.js';
import type { OperationalEvent } from '../domain/workflow-io.js';
import { eventIdFor, normaliseIdempotencyKey } from '../ids.js';
import type { WorkflowStarter } from './workflow-client.js';

/**
 * Emits one of Hookflow's operational events through its own pipeline: an event workflow on the
 * reserved `hookflow` source, routed to subscriptions that ask for `hookflow.*` explicitly.
 */
export async function emitOperationalEvent(
  starter: WorkflowStarter,
  event: OperationalEvent,
): Promise<{ eventId: string; duplicate: boolean }> {
  const idempotencyKey = normaliseIdempotencyKey(`${event.type}:${event.key}`);
  const eventId = eventIdFor(OPERATIONAL_SOURCE, idempotencyKey);
  const payload = { ...event.data, occurredAt: new Date().toISOString() };
  const { duplicate } = await starter.startEvent({
    eventId,
    sourceId: OPERATIONAL_SOURCE,
    idempotencyKey,
    eventType: event.type,
    payload,
    payloadSha256: createHash('sha256').update(JSON.stringify(payload)).digest('hex'),
    headers: {},
    receivedAt: new Date().toISOString(),
    traceId: randomUUID(),
  });
  return { eventId, duplicate };
}
