import { randomUUID } from 'node:crypto';
import type { SchemeName } from '../domain/vocabulary.js';

/** A plausible sample body for each scheme (what `hookflow send` posts when given no --data). */
export function sampleBody(
  scheme: SchemeName,
  options: { id?: string; eventType?: string } = {},
): Record<string, unknown> {
  const id = options.id ?? `sample-${randomUUID()}`;
  switch (scheme) {
    case 'standard-webhooks':
      return { type: options.eventType ?? 'email.delivered', timestamp: new Date().toISOString(), data: { id } };
    case 'stripe':
      return {
        id: options.id ?? `evt_${randomUUID().replaceAll('-', '')}`,
        object: 'event',
        type: options.eventType ?? 'payment_intent.succeeded',
        data: { object: { id: 'pi_123', amount: 2000 } },
      };
    case 'github':
      return { action: 'opened', repository: { full_name: 'acme/widgets' }, pull_request: { number: 1 } };
    case 'shopify':
      return { id: 820982911946154500, email: 'jon@example.com', total_price: '10.00' };
    case 'hmac-sha256':
      return {
        eventId: id,
        eventType: options.eventType ?? 'shipment.delivered',
        occurredAt: new Date().toISOString(),
        source: 'courier',
        idempotencyKey: options.id ?? id,
        payload: { shipmentId: 'SHP-1', status: 'delivered' },
      };
  }
}
