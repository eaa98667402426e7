import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { problems } from './problem.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Bearer-token guard for the management API; hashing first makes the compare length-independent. */
export function requireManagementKey(apiKey: string): MiddlewareHandler {
  const expected = digest(apiKey);
  return async (c, next) => {
    const header = c.req.header('authorization');
    if (!header) throw problems.unauthenticated('Send the management API key as "Authorization: Bearer <key>".');
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) {
      throw problems.unauthenticated('The bearer token is not valid for this Hookflow.');
    }
    await next();
  };
}
