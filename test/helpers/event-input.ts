import { createHash, randomUUID } from 'node:crypto';
import type { Config } from '../../src/config.js';
import type { EventWorkflowInput } from '../../src/domain/workflow-io.js';
import { buildPolicies } from '../../src/temporal/policies-from-config.js';

/**
 * The input of a `shipment.delivered` event workflow of `sourceId` with a fresh key, as ingress would
 * build it (an id of the same shape), accepted at `receivedAt`: for tests that run activities
 * directly, without an ingress request or a workflow.
 */
export function shipmentEventInput(
  config: Config,
  sourceId: string,
  receivedAt: Date,
  data: Record<string, unknown> = {},
): EventWorkflowInput {
  const key = randomUUID();
  const payload = { eventType: 'shipment.delivered', idempotencyKey: key, payload: data };
  return {
    eventId: `evt_${createHash('sha256').update(key).digest('hex').slice(0, 26)}`,
    sourceId,
    idempotencyKey: key,
    eventType: 'shipment.delivered',
    payload,
    payloadSha256: createHash('sha256').update(JSON.stringify(payload)).digest('hex'),
    headers: {},
    receivedAt: receivedAt.toISOString(),
    traceId: randomUUID(),
    policies: buildPolicies(config),
  };
}
