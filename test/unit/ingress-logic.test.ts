import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Extraction } from '../../src/db/schema.js';
import { eventIdFor, normaliseIdempotencyKey } from '../../src/ids.js';
import { activeSecrets, isJsonContentType, selectStoredHeaders } from '../../src/ingress/request-checks.js';
import { readJsonPointer } from '../../src/domain/json-pointer.js';
import { extractValue } from '../../src/ingress/extract.js';
import { RateLimiter } from '../../src/ingress/rate-limiter.js';
import { courierEnvelopeSchema } from '../../src/schemes/hmac-sha256.js';
import type { SignedRequest } from '../../src/schemes/types.js';
import { courierEnvelope } from '../helpers/send.js';

function signedRequest(headers: Record<string, string>): SignedRequest {
  const lowerCased = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { header: (name) => lowerCased.get(name.toLowerCase()), rawBody: Buffer.alloc(0), nowSeconds: 0 };
}

describe('readJsonPointer', () => {
  const document = {
    data: { id: 'obj_1', count: 0, nothing: null },
    'a/b': 'slash',
    'm~n': 'tilde',
    '~1': 'literal tilde-one',
    '': 'empty key',
    items: [{ id: 'first' }, { id: 'second' }],
  };

  it.each([
    { pointer: '', expected: document },
    { pointer: '/data/id', expected: 'obj_1' },
    { pointer: '/data/count', expected: 0 },
    { pointer: '/data/nothing', expected: null },
    { pointer: '/a~1b', expected: 'slash' },
    { pointer: '/m~0n', expected: 'tilde' },
    { pointer: '/~01', expected: 'literal tilde-one' },
    { pointer: '/', expected: 'empty key' },
    { pointer: '/items/0/id', expected: 'first' },
    { pointer: '/items/1/id', expected: 'second' },
  ])('resolves $pointer', ({ pointer, expected }) => {
    expect(readJsonPointer(document, pointer)).toEqual(expected);
  });

  it.each([
    { pointer: '/missing', why: 'a missing member' },
    { pointer: '/data/id/deeper', why: 'a path through a string' },
    { pointer: '/data/nothing/id', why: 'a path through null' },
    { pointer: '/items/2', why: 'an index past the end' },
    { pointer: '/items/01', why: 'an index with a leading zero' },
    { pointer: '/items/-', why: 'the end-of-array marker' },
    { pointer: '/items/length', why: 'an array property' },
    { pointer: '/toString', why: 'an inherited member' },
    { pointer: '/a/b', why: 'an unescaped slash' },
    { pointer: 'data/id', why: 'a pointer without a leading slash' },
  ])('returns undefined for $why ($pointer)', ({ pointer }) => {
    expect(readJsonPointer(document, pointer)).toBeUndefined();
  });

  it('resolves into a top-level array', () => {
    expect(readJsonPointer([['x', 'y']], '/0/1')).toBe('y');
  });
});

describe('extractValue', () => {
  const request = signedRequest({ 'X-Event-Id': 'hdr-1', 'X-Empty': '' });
  const body = { data: { id: 'obj_1', number: 42, float: 1.5, flag: true, nested: { a: 1 }, empty: '' } };

  it.each<{ extraction: Extraction; expected: string | undefined }>([
    { extraction: { header: 'X-Event-Id' }, expected: 'hdr-1' },
    { extraction: { header: 'x-event-id' }, expected: 'hdr-1' },
    { extraction: { header: 'x-missing' }, expected: undefined },
    { extraction: { header: 'x-empty' }, expected: undefined },
    { extraction: { pointer: '/data/id' }, expected: 'obj_1' },
    { extraction: { pointer: '/data/number' }, expected: '42' },
    { extraction: { pointer: '/data/float' }, expected: '1.5' },
    { extraction: { pointer: '/data/flag' }, expected: undefined },
    { extraction: { pointer: '/data/nested' }, expected: undefined },
    { extraction: { pointer: '/data/empty' }, expected: undefined },
    { extraction: { pointer: '/data/missing' }, expected: undefined },
  ])('reads $extraction as $expected', ({ extraction, expected }) => {
    expect(extractValue(extraction, request, body)).toBe(expected);
  });
});

describe('normaliseIdempotencyKey', () => {
  const hashed = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;

  it.each([
    { key: 'evt_1', why: 'an id with an underscore' },
    { key: 'order-42', why: 'a hyphenated key' },
    { key: 'a.b:c-d_e', why: 'every allowed punctuation mark' },
    { key: 'A'.repeat(200), why: 'exactly 200 characters' },
    { key: 'sha256:abc', why: 'an already hashed key' },
  ])('keeps a safe key ($why) unchanged', ({ key }) => {
    expect(normaliseIdempotencyKey(key)).toBe(key);
  });

  it.each([
    { key: 'A'.repeat(201), why: 'longer than 200 characters' },
    { key: 'has space', why: 'with a space' },
    { key: 'a/b', why: 'with a slash' },
    { key: 'ключ', why: 'with non-ASCII letters' },
    { key: 'line\nbreak', why: 'with a newline' },
  ])('replaces a key $why by its sha256', ({ key }) => {
    const normalised = normaliseIdempotencyKey(key);
    expect(normalised).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(normalised).toBe(hashed(key));
  });

  it('is stable when applied twice', () => {
    const once = normaliseIdempotencyKey('x'.repeat(500));
    expect(normaliseIdempotencyKey(once)).toBe(once);
  });
});

describe('eventIdFor', () => {
  it('derives the same id from the same source and key', () => {
    expect(eventIdFor('src_a', 'key-1')).toBe(eventIdFor('src_a', 'key-1'));
  });

  it('is evt_ followed by 26 lowercase Crockford base32 characters', () => {
    for (const [source, key] of [
      ['src_a', 'key-1'],
      ['s', ''],
      ['stripe', `sha256:${'f'.repeat(64)}`],
    ] as const) {
      expect(eventIdFor(source, key)).toMatch(/^evt_[0-9a-hjkmnp-tv-z]{26}$/);
    }
  });

  it('differs per source for the same key', () => {
    expect(eventIdFor('src_a', 'key-1')).not.toBe(eventIdFor('src_b', 'key-1'));
  });

  it('differs per key within a source', () => {
    const ids = new Set(Array.from({ length: 1000 }, (_, i) => eventIdFor('src_a', `key-${i}`)));
    expect(ids.size).toBe(1000);
  });
});

describe('isJsonContentType', () => {
  it.each([
    'application/json',
    'application/json; charset=utf-8',
    'application/json;charset=UTF-8',
    'Application/JSON',
    'application/cloudevents+json',
    'application/vnd.api+json; charset=utf-8',
  ])('accepts %j', (header) => {
    expect(isJsonContentType(header)).toBe(true);
  });

  it.each([
    undefined,
    '',
    'text/plain',
    'text/json',
    'application/jsonx',
    'application/json-patch',
    'application/+json',
    'application/x-www-form-urlencoded',
    'multipart/form-data',
  ])('rejects %j', (header) => {
    expect(isJsonContentType(header)).toBe(false);
  });
});

describe('activeSecrets', () => {
  const now = new Date('2025-06-01T12:00:00Z');

  it('keeps the current secret and unexpired previous ones, in order, and drops expired ones', () => {
    const secrets = [
      { value: 'current', expiresAt: null },
      { value: 'previous-in-grace', expiresAt: '2025-06-01T12:00:01Z' },
      { value: 'previous-expired', expiresAt: '2025-06-01T11:59:59Z' },
      { value: 'expiring-now', expiresAt: '2025-06-01T12:00:00Z' },
    ];
    expect(activeSecrets(secrets, now)).toEqual(['current', 'previous-in-grace']);
  });

  it('returns nothing when every secret has expired', () => {
    expect(activeSecrets([{ value: 'old', expiresAt: '2025-01-01T00:00:00Z' }], now)).toEqual([]);
  });
});

describe('selectStoredHeaders', () => {
  it('keeps allow-listed headers, caps them at 512 characters and never keeps signatures', () => {
    const request = signedRequest({
      'Content-Type': 'application/json',
      'X-GitHub-Event': 'push',
      'User-Agent': 'u'.repeat(600),
      'X-Hub-Signature-256': 'sha256=abc',
      'Stripe-Signature': 't=1,v1=abc',
      'webhook-signature': 'v1,abc',
      'x-signature': 'abc',
      Authorization: 'Bearer x',
    });
    const kept = selectStoredHeaders(request.header);
    expect(kept).toEqual({
      'content-type': 'application/json',
      'x-github-event': 'push',
      'user-agent': 'u'.repeat(512),
    });
  });
});

describe('RateLimiter', () => {
  function limiterWithClock() {
    const clock = { ms: 1_000_000 };
    return { clock, limiter: new RateLimiter(() => clock.ms) };
  }

  it('allows a burst of the limit and then refuses with a Retry-After of at least one second', () => {
    const { limiter } = limiterWithClock();
    for (let i = 0; i < 60; i++) expect(limiter.take('src', 60)).toEqual({ allowed: true });
    const refused = limiter.take('src', 60);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('says how long until the next token for a slow limit', () => {
    const { clock, limiter } = limiterWithClock();
    for (let i = 0; i < 6; i++) limiter.take('src', 6);
    expect(limiter.take('src', 6)).toEqual({ allowed: false, retryAfterSeconds: 10 });
    clock.ms += 4_000;
    expect(limiter.take('src', 6)).toEqual({ allowed: false, retryAfterSeconds: 6 });
  });

  it('allows again once a token has refilled', () => {
    const { clock, limiter } = limiterWithClock();
    for (let i = 0; i < 60; i++) limiter.take('src', 60);
    expect(limiter.take('src', 60).allowed).toBe(false);
    clock.ms += 999;
    expect(limiter.take('src', 60).allowed).toBe(false);
    clock.ms += 1;
    expect(limiter.take('src', 60)).toEqual({ allowed: true });
    expect(limiter.take('src', 60).allowed).toBe(false);
  });

  it('refills to the limit and no further', () => {
    const { clock, limiter } = limiterWithClock();
    for (let i = 0; i < 10; i++) limiter.take('src', 10);
    clock.ms += 3_600_000;
    for (let i = 0; i < 10; i++) expect(limiter.take('src', 10).allowed).toBe(true);
    expect(limiter.take('src', 10).allowed).toBe(false);
  });

  it('keeps a separate budget per key', () => {
    const { limiter } = limiterWithClock();
    limiter.take('a', 1);
    expect(limiter.take('a', 1).allowed).toBe(false);
    expect(limiter.take('b', 1)).toEqual({ allowed: true });
  });
});

describe('courierEnvelopeSchema', () => {
  const issuePaths = (value: unknown) => {
    const result = courierEnvelopeSchema.safeParse(value);
    return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
  };

  it.each([
    { label: 'a UTC timestamp', overrides: {} },
    { label: 'an offset timestamp', overrides: { occurredAt: '2025-06-01T14:00:00+02:00' } },
    { label: 'extra top-level fields', overrides: { version: 2 } },
  ])('accepts an envelope with $label', ({ overrides }) => {
    expect(courierEnvelopeSchema.safeParse(courierEnvelope(overrides)).success).toBe(true);
  });

  it.each(['eventId', 'eventType', 'occurredAt', 'source', 'idempotencyKey', 'payload'])(
    'names the path of a missing %s',
    (field) => {
      const { [field]: _dropped, ...envelope } = courierEnvelope() as Record<string, unknown>;
      expect(issuePaths(envelope)).toEqual([field]);
    },
  );

  it.each([
    { field: 'occurredAt', value: 'yesterday' },
    { field: 'occurredAt', value: '2025-06-01' },
    { field: 'occurredAt', value: 1_717_243_200 },
    { field: 'eventId', value: '' },
    { field: 'idempotencyKey', value: 42 },
    { field: 'payload', value: ['not', 'an', 'object'] },
    { field: 'payload', value: 'text' },
  ])('names the path when $field is $value', ({ field, value }) => {
    expect(issuePaths(courierEnvelope({ [field]: value }))).toEqual([field]);
  });

  it('names every failing path at once', () => {
    expect(issuePaths({ eventType: 'x', source: 's', occurredAt: 'bad' }).sort()).toEqual([
      'eventId',
      'idempotencyKey',
      'occurredAt',
      'payload',
    ]);
  });
});
