import { signGenericHmac } from '../../src/schemes/hmac-sha256.js';

/** A courier envelope as the generic `hmac-sha256` scheme expects it. */
export function courierEnvelope(overrides: Record<string, unknown> = {}) {
  const key = (overrides.idempotencyKey as string | undefined) ?? `shp-${Math.random().toString(36).slice(2)}`;
  return {
    eventId: `courier-${key}`,
    eventType: 'shipment.delivered',
    occurredAt: new Date().toISOString(),
    source: 'courier',
    idempotencyKey: key,
    payload: { shipmentId: key, status: 'delivered' },
    ...overrides,
  };
}

/** POSTs a body signed with the generic HMAC scheme. */
export function postHmacWebhook(
  baseUrl: string,
  sourceId: string,
  secret: string,
  body: unknown,
  init: { timestamp?: number; headers?: Record<string, string> } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const timestamp = init.timestamp ?? Math.floor(Date.now() / 1000);
  return fetch(`${baseUrl}/v1/webhooks/${sourceId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-signature-timestamp': String(timestamp),
      'x-signature': signGenericHmac(secret, timestamp, raw),
      ...init.headers,
    },
    body: raw,
  });
}
