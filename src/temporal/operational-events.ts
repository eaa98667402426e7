import { createHash, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import { OPERATIONAL_SOURCE } from '../domain/vocabulary.js';
import type { OperationalEvent } from '../domain/workflow-io.js';
import { eventIdFor, normaliseIdempotencyKey } from '../ids.js';
import { buildPolicies } from './policies.js';
import { startEvent } from './workflow-client.js';

/**
 * Emits one of Hookflow's operational events through its own pipeline: an event workflow on the
 * reserved `hookflow` source, routed to subscriptions that ask for `hookflow.*` explicitly.
 */
export async function emitOperationalEvent(
  temporal: Client,
  config: Config,
  event: OperationalEvent,
): Promise<{ eventId: string; duplicate: boolean }> {
  const idempotencyKey = normaliseIdempotencyKey(`${event.type}:${event.key}`);
  const eventId = eventIdFor(OPERATIONAL_SOURCE, idempotencyKey);
  const payload = { ...event.data, occurredAt: new Date().toISOString() };
  const { duplicate } = await startEvent(
    temporal,
    {
      eventId,
      sourceId: OPERATIONAL_SOURCE,
      idempotencyKey,
      eventType: event.type,
      payload,
      payloadSha256: createHash('sha256').update(JSON.stringify(payload)).digest('hex'),
      headers: {},
      receivedAt: new Date().toISOString(),
      traceId: randomUUID(),
      policies: buildPolicies(config),
    },
    { taskQueue: config.TEMPORAL_TASK_QUEUE },
  );
  return { eventId, duplicate };
}
