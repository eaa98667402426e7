import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** HMAC-SHA256 of `parts` joined as bytes. */
export function hmacSha256(key: Buffer | string, ...parts: (Buffer | string)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Constant-time equality of two strings; hashing first hides the length of the expected value. */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

/** True when any given signature equals any expected one; every pair is compared (no early exit). */
export function anyMatches(given: string[], expected: string[]): boolean {
  let matched = false;
  for (const g of given) for (const e of expected) matched = constantTimeEqual(g, e) || matched;
  return matched;
}

/** A reason when a unix-seconds timestamp is unusable or outside the tolerance in either direction. */
export function toleranceProblem(
  timestamp: string | undefined,
  nowSeconds: number,
  toleranceSeconds: number,
  header: string,
): string | undefined {
  if (timestamp === undefined) return `missing ${header} header`;
  if (!/^\d{1,12}$/.test(timestamp)) return `${header} is not a unix timestamp in seconds`;
  const skew = nowSeconds - Number(timestamp);
  if (skew > toleranceSeconds) return `timestamp is older than the ${toleranceSeconds} s tolerance`;
  if (-skew > toleranceSeconds) return `timestamp is more than ${toleranceSeconds} s in the future`;
  return undefined;
}

/** Reads `body[field]` when the body is an object and the value is a non-empty string or number. */
export function bodyField(body: unknown, field: string): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const value = (body as Record<string, unknown>)[field];
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
