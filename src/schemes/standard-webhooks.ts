import { anyMatches, bodyField, hmacSha256, toleranceProblem } from './crypto.js';
import type { SignatureScheme, SignedRequest } from './types.js';

/** Standard Webhooks secrets are `whsec_<base64>`; the HMAC key is the decoded bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
}

/** `v1,<base64>` signature of `id.timestamp.body` (also used for outbound deliveries). */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: number | string,
  body: Buffer | string,
): string {
  return `v1,${signatureOf(secret, id, timestamp, body)}`;
}

const signatureOf = (secret: string, id: string, timestamp: number | string, body: Buffer | string) =>
  hmacSha256(standardWebhooksKey(secret), `${id}.${timestamp}.`, body).toString('base64');

// Svix sends the same protocol under `svix-*` names.
const header = (request: SignedRequest, name: 'id' | 'timestamp' | 'signature') =>
  request.header(`webhook-${name}`) ?? request.header(`svix-${name}`);

/** Standard Webhooks (Svix, Resend, Clerk…): `webhook-*` or `svix-*` headers, several `v1,` signatures. */
export const standardWebhooksScheme: SignatureScheme = {
  name: 'standard-webhooks',
  sign: (input) => ({
    'webhook-id': input.id,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signStandardWebhook(input.secret, input.id, input.timestampSeconds, input.body),
  }),
  verify(input) {
    const id = header(input, 'id');
    const signature = header(input, 'signature');
    if (!id) return { ok: false, reason: 'missing webhook-id header' };
    if (!signature) return { ok: false, reason: 'missing webhook-signature header' };
    const timestamp = header(input, 'timestamp');
    const stale = toleranceProblem(timestamp, input.nowSeconds, input.toleranceSeconds, 'webhook-timestamp');
    if (stale) return { ok: false, reason: stale };
    const given = signature
      .split(' ')
      .filter((part) => part.startsWith('v1,'))
      .map((part) => part.slice(3));
    if (given.length === 0) return { ok: false, reason: 'webhook-signature has no v1 signature' };
    const expected = input.secrets.map((secret) => signatureOf(secret, id, timestamp!, input.rawBody));
    return anyMatches(given, expected)
      ? { ok: true }
      : { ok: false, reason: 'no signature in webhook-signature matches' };
  },
  defaultIdempotencyKey: (request) => header(request, 'id'),
  defaultEventType: (_request, body) => bodyField(body, 'type'),
};
