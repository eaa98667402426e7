import { anyMatches, hmacSha256 } from './crypto.js';
import type { SignatureScheme } from './types.js';

const signature = (secret: string, body: Buffer | string) => hmacSha256(secret, body).toString('base64');

/** Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the body. */
export const shopifyScheme: SignatureScheme = {
  name: 'shopify',
  sign: (input) => ({
    'x-shopify-webhook-id': input.id,
    'x-shopify-topic': input.eventType ?? 'orders/create',
    'x-shopify-hmac-sha256': signature(input.secret, input.body),
  }),
  verify(input) {
    const given = input.header('x-shopify-hmac-sha256');
    if (!given) return { ok: false, reason: 'missing X-Shopify-Hmac-Sha256 header' };
    const expected = input.secrets.map((secret) => signature(secret, input.rawBody));
    return anyMatches([given.trim()], expected)
      ? { ok: true }
      : { ok: false, reason: 'X-Shopify-Hmac-Sha256 does not match' };
  },
  defaultIdempotencyKey: (request) => request.header('x-shopify-webhook-id'),
  defaultEventType: (request) => request.header('x-shopify-topic'),
};
