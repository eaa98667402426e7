import { anyMatches, bodyField, hmacSha256, toleranceProblem } from './crypto.js';
import type { SignatureScheme } from './types.js';

const signature = (secret: string, timestamp: number | string, body: Buffer | string) =>
  hmacSha256(secret, `${timestamp}.`, body).toString('hex');

/** Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]` over `t.body`, keyed by the whole secret string. */
export const stripeScheme: SignatureScheme = {
  name: 'stripe',
  sign: (input) => ({
    'stripe-signature': `t=${input.timestampSeconds},v1=${signature(input.secret, input.timestampSeconds, input.body)}`,
  }),
  verify(input) {
    const headerValue = input.header('stripe-signature');
    if (!headerValue) return { ok: false, reason: 'missing Stripe-Signature header' };
    const pairs = headerValue.split(',').map((item) => {
      const at = item.indexOf('=');
      return at < 0 ? ['', ''] : [item.slice(0, at).trim(), item.slice(at + 1).trim()];
    });
    const timestamps = pairs.filter(([k]) => k === 't').map(([, v]) => v);
    if (timestamps.length !== 1) return { ok: false, reason: 'Stripe-Signature must carry exactly one t= timestamp' };
    const stale = toleranceProblem(timestamps[0], input.nowSeconds, input.toleranceSeconds, 'Stripe-Signature t=');
    if (stale) return { ok: false, reason: stale };
    const given = pairs.filter(([k]) => k === 'v1').map(([, v]) => v!.toLowerCase());
    if (given.length === 0) return { ok: false, reason: 'Stripe-Signature has no v1 signature' };
    const expected = input.secrets.map((secret) => signature(secret, timestamps[0]!, input.rawBody));
    return anyMatches(given, expected)
      ? { ok: true }
      : { ok: false, reason: 'no v1 signature in Stripe-Signature matches' };
  },
  defaultIdempotencyKey: (_request, body) => bodyField(body, 'id'),
  defaultEventType: (_request, body) => bodyField(body, 'type'),
};
