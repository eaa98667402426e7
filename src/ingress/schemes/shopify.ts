import { anyMatches, hmacSha256 } from './crypto.js';
import type { VerificationScheme } from './types.js';

/** Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the body. */
export const shopifyScheme: VerificationScheme = {
  name: 'shopify',
  verify(input) {
    const given = input.header('x-shopify-hmac-sha256');
    if (!given) return { ok: false, reason: 'missing X-Shopify-Hmac-Sha256 header' };
    const expected = input.secrets.map((secret) => hmacSha256(secret, input.rawBody).toString('base64'));
    return anyMatches([given.trim()], expected) ? { ok: true } : { ok: false, reason: 'X-Shopify-Hmac-Sha256 does not match' };
  },
  defaultIdempotencyKey: (request) => request.header('x-shopify-webhook-id'),
  defaultEventType: (request) => request.header('x-shopify-topic'),
};
