import { z } from 'zod';
import { anyMatches, bodyField, hmacSha256, toleranceProblem } from './crypto.js';
import type { SignatureScheme } from './types.js';

/** The courier envelope the generic scheme requires. */
export const courierEnvelopeSchema = z.object({
  eventId: z.string().min(1),
  eventType: z.string().min(1),
  occurredAt: z.iso.datetime({ offset: true }),
  source: z.string().min(1),
  idempotencyKey: z.string().min(1),
  payload: z.record(z.string(), z.unknown()),
});

/** Hex HMAC-SHA256 of `timestamp.body`, as couriers send it in `x-signature`. */
export function signGenericHmac(secret: string, timestamp: number | string, body: Buffer | string): string {
  return hmacSha256(secret, `${timestamp}.`, body).toString('hex');
}

/** Generic HMAC (couriers): `x-signature: <hex>` over `timestamp.body`, `x-signature-timestamp` in unix seconds. */
export const hmacSha256Scheme: SignatureScheme = {
  name: 'hmac-sha256',
  sign: (input) => ({
    'x-signature-timestamp': String(input.timestampSeconds),
    'x-signature': signGenericHmac(input.secret, input.timestampSeconds, input.body),
  }),
  verify(input) {
    const signature = input.header('x-signature');
    if (!signature) return { ok: false, reason: 'missing x-signature header' };
    const timestamp = input.header('x-signature-timestamp');
    const stale = toleranceProblem(timestamp, input.nowSeconds, input.toleranceSeconds, 'x-signature-timestamp');
    if (stale) return { ok: false, reason: stale };
    const given = signature.replace(/^sha256=/, '').toLowerCase();
    const expected = input.secrets.map((secret) => signGenericHmac(secret, timestamp!, input.rawBody));
    return anyMatches([given], expected) ? { ok: true } : { ok: false, reason: 'x-signature does not match' };
  },
  defaultIdempotencyKey: (request, body) => bodyField(body, 'idempotencyKey') ?? request.header('idempotency-key'),
  defaultEventType: (_request, body) => bodyField(body, 'eventType'),
};
