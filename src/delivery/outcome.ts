export type AttemptOutcome =
  { kind: 'delivered' } | { kind: 'retryable'; retryAfterMs?: number | undefined } | { kind: 'rejected' };

const RETRYABLE_STATUSES = new Set([408, 425, 429]);

/** Classifies an HTTP answer: 2xx delivered; 408/425/429/5xx retryable; other 4xx and 3xx rejected. */
export function classifyResponse(
  status: number,
  retryAfter: string | null | undefined,
  now = Date.now(),
): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  if (status >= 500 || RETRYABLE_STATUSES.has(status))
    return { kind: 'retryable', retryAfterMs: parseRetryAfter(retryAfter, now) };
  return { kind: 'rejected' };
}

/** `Retry-After` as delay-seconds or an HTTP date, in milliseconds; undefined when absent or unusable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an HTTP-date ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse alone would read "1.5" as a year.
  if (!/^[A-Za-z]{3},? .*\bGMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
