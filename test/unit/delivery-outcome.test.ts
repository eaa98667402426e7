import { describe, expect, it } from 'vitest';
import { classifyResponse, parseRetryAfter } from '../../src/delivery/outcome.js';
import { deadLetterReasonFor, deliveryFailureTypes, nonRetryableDeliveryTypes } from '../../src/domain/failures.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe('classifyResponse', () => {
  it.each([200, 201, 204, 299])('counts %i as delivered', (status) => {
    expect(classifyResponse(status, undefined, NOW)).toEqual({ kind: 'delivered' });
  });

  it.each([408, 425, 429, 500, 502, 503, 504, 599])('counts %i as retryable', (status) => {
    expect(classifyResponse(status, undefined, NOW)).toMatchObject({ kind: 'retryable' });
  });

  it.each([300, 301, 302, 304, 307, 400, 401, 403, 404, 410, 422])(
    'counts %i as rejected by the endpoint (redirects are not followed)',
    (status) => {
      expect(classifyResponse(status, undefined, NOW)).toEqual({ kind: 'rejected' });
    },
  );

  it('carries the Retry-After delay of a retryable answer', () => {
    expect(classifyResponse(429, '2', NOW)).toEqual({ kind: 'retryable', retryAfterMs: 2000 });
    expect(classifyResponse(503, 'Sun, 01 Jun 2025 12:00:30 GMT', NOW)).toEqual({
      kind: 'retryable',
      retryAfterMs: 30_000,
    });
  });

  it('leaves the delay unset when a retryable answer has no Retry-After', () => {
    expect(classifyResponse(503, null, NOW)).toEqual({ kind: 'retryable', retryAfterMs: undefined });
  });

  it('ignores Retry-After on answers that are not retried', () => {
    expect(classifyResponse(200, '5', NOW)).toEqual({ kind: 'delivered' });
    expect(classifyResponse(404, '5', NOW)).toEqual({ kind: 'rejected' });
  });
});

describe('parseRetryAfter', () => {
  it.each([
    { value: '2', expected: 2000, what: 'delay-seconds' },
    { value: '0', expected: 0, what: 'zero delay-seconds' },
    { value: '120', expected: 120_000, what: 'delay-seconds of minutes' },
    { value: ' 3 ', expected: 3000, what: 'delay-seconds with surrounding whitespace' },
    { value: 'Sun, 01 Jun 2025 12:00:30 GMT', expected: 30_000, what: 'an HTTP-date 30 s after now' },
    { value: 'Sun, 01 Jun 2025 13:00:00 GMT', expected: 3_600_000, what: 'an HTTP-date an hour after now' },
    { value: 'Sun, 01 Jun 2025 11:00:00 GMT', expected: 0, what: 'an HTTP-date in the past' },
    { value: 'Sun, 01 Jun 2025 12:00:00 GMT', expected: 0, what: 'an HTTP-date equal to now' },
  ])('reads $what ($value) as $expected ms', ({ value, expected }) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });

  it.each([
    { value: undefined, what: 'a missing header' },
    { value: null, what: 'a null header' },
    { value: '', what: 'an empty header' },
    { value: 'soon', what: 'a word' },
    { value: 'next tuesday', what: 'prose' },
    { value: '1e3', what: 'exponent notation' },
  ])('gives no delay for $what', ({ value }) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  // RFC 9110 §10.2.3: Retry-After is `HTTP-date / delay-seconds` (1*DIGIT). V8's lenient
  // Date.parse reads "1.5" as 2001-01-05 and "-1" as 2001-01-01, which would turn them into
  // "retry now" instead of being ignored.
  it.each(['1.5', '-1'])('gives no delay for %j, which is neither delay-seconds nor an HTTP-date', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });
});

describe('deadLetterReasonFor', () => {
  it.each([
    { type: deliveryFailureTypes.rejected, reason: 'rejected_by_endpoint' },
    { type: deliveryFailureTypes.blocked, reason: 'blocked_target' },
    { type: deliveryFailureTypes.disabled, reason: 'subscription_disabled' },
    { type: deliveryFailureTypes.retryable, reason: 'retries_exhausted' },
    { type: undefined, reason: 'retries_exhausted' },
  ])('maps failure type $type to $reason', ({ type, reason }) => {
    expect(deadLetterReasonFor(type)).toBe(reason);
  });

  it('uses the stable type names the retry policy and dead letters share', () => {
    expect(deliveryFailureTypes).toEqual({
      retryable: 'DeliveryFailed',
      rejected: 'RejectedByEndpoint',
      blocked: 'BlockedTarget',
      disabled: 'SubscriptionDisabled',
      transformFailed: 'TransformFailed',
    });
    expect(deadLetterReasonFor('TransformFailed')).toBe('transform_failed');
  });
});

describe('nonRetryableDeliveryTypes', () => {
  it('holds exactly the rejected, blocked and disabled types', () => {
    expect([...nonRetryableDeliveryTypes].sort()).toEqual([
      'BlockedTarget',
      'RejectedByEndpoint',
      'SubscriptionDisabled',
    ]);
  });

  it('leaves the retryable type out', () => {
    expect(nonRetryableDeliveryTypes).not.toContain(deliveryFailureTypes.retryable);
  });
});
