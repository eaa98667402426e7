import { randomUUID } from 'node:crypto';
import { hmacSha256 } from './schemes/crypto.js';
import { signGenericHmac } from './schemes/hmac-sha256.js';
import type { SchemeName } from './schemes/index.js';
import { signStandardWebhook } from './schemes/standard-webhooks.js';

export interface PartnerRequest {
  scheme: SchemeName;
  secret: string;
  body: string;
  /** Delivery id for schemes that carry one in a header (standard-webhooks, github, shopify). */
  id?: string;
  /** Event type for schemes that carry it in a header (github, shopify). */
  eventType?: string;
  timestampSeconds?: number;
}

/**
 * Signs a request the way each partner does (SPEC §4.2): the partner-side half of verification,
 * used by `hookflow send`, tests and benchmarks.
 */
export function signPartnerRequest(request: PartnerRequest): Record<string, string> {
  const timestamp = request.timestampSeconds ?? Math.floor(Date.now() / 1000);
  const id = request.id ?? `msg_${randomUUID()}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  switch (request.scheme) {
    case 'standard-webhooks':
      return { ...headers, 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signStandardWebhook(request.secret, id, timestamp, request.body) };
    case 'stripe':
      return { ...headers, 'stripe-signature': `t=${timestamp},v1=${hmacSha256(request.secret, `${timestamp}.`, request.body).toString('hex')}` };
    case 'github':
      return {
        ...headers, 'x-github-delivery': id, 'x-github-event': request.eventType ?? 'ping',
        'x-hub-signature-256': `sha256=${hmacSha256(request.secret, request.body).toString('hex')}`,
      };
    case 'shopify':
      return {
        ...headers, 'x-shopify-webhook-id': id, 'x-shopify-topic': request.eventType ?? 'orders/create',
        'x-shopify-hmac-sha256': hmacSha256(request.secret, request.body).toString('base64'),
      };
    case 'hmac-sha256':
      return { ...headers, 'x-signature-timestamp': String(timestamp), 'x-signature': signGenericHmac(request.secret, timestamp, request.body) };
  }
}

/** A plausible sample body for each scheme (what `hookflow send` posts when given no --data). */
export function sampleBody(scheme: SchemeName, options: { id?: string; eventType?: string } = {}): Record<string, unknown> {
  const id = options.id ?? `sample-${randomUUID()}`;
  switch (scheme) {
    case 'standard-webhooks':
      return { type: options.eventType ?? 'email.delivered', timestamp: new Date().toISOString(), data: { id } };
    case 'stripe':
      return { id: options.id ?? `evt_${randomUUID().replaceAll('-', '')}`, object: 'event', type: options.eventType ?? 'payment_intent.succeeded', data: { object: { id: 'pi_123', amount: 2000 } } };
    case 'github':
      return { action: 'opened', repository: { full_name: 'acme/widgets' }, pull_request: { number: 1 } };
    case 'shopify':
      return { id: 820982911946154500, email: 'jon@example.com', total_price: '10.00' };
    case 'hmac-sha256':
      return {
        eventId: id, eventType: options.eventType ?? 'shipment.delivered', occurredAt: new Date().toISOString(),
        source: 'courier', idempotencyKey: options.id ?? id, payload: { shipmentId: 'SHP-1', status: 'delivered' },
      };
  }
}
