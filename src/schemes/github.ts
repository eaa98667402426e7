import { anyMatches, bodyField, hmacSha256 } from './crypto.js';
import type { SignatureScheme } from './types.js';

const signature = (secret: string, body: Buffer | string) => hmacSha256(secret, body).toString('hex');

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body. GitHub sends no timestamp. */
export const githubScheme: SignatureScheme = {
  name: 'github',
  sign: (input) => ({
    'x-github-delivery': input.id,
    'x-github-event': input.eventType ?? 'ping',
    'x-hub-signature-256': `sha256=${signature(input.secret, input.body)}`,
  }),
  verify(input) {
    const headerValue = input.header('x-hub-signature-256');
    if (!headerValue) return { ok: false, reason: 'missing X-Hub-Signature-256 header' };
    if (!headerValue.startsWith('sha256=')) return { ok: false, reason: 'X-Hub-Signature-256 must start with sha256=' };
    const expected = input.secrets.map((secret) => signature(secret, input.rawBody));
    return anyMatches([headerValue.slice(7).toLowerCase()], expected)
      ? { ok: true }
      : { ok: false, reason: 'X-Hub-Signature-256 does not match' };
  },
  defaultIdempotencyKey: (request) => request.header('x-github-delivery'),
  defaultEventType(request, body) {
    const event = request.header('x-github-event');
    if (!event) return undefined;
    const action = bodyField(body, 'action');
    return action ? `${event}.${action}` : event;
  },
};
