import { anyMatches, bodyField, hmacSha256 } from './crypto.js';
import type { VerificationScheme } from './types.js';

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body. GitHub sends no timestamp. */
export const githubScheme: VerificationScheme = {
  name: 'github',
  verify(input) {
    const headerValue = input.header('x-hub-signature-256');
    if (!headerValue) return { ok: false, reason: 'missing X-Hub-Signature-256 header' };
    if (!headerValue.startsWith('sha256=')) return { ok: false, reason: 'X-Hub-Signature-256 must start with sha256=' };
    const expected = input.secrets.map((secret) => hmacSha256(secret, input.rawBody).toString('hex'));
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
