import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemeNames, type SchemeName } from '../../src/schemes/index.js';
import { signPartnerRequest } from '../../src/schemes/index.js';
import { manage } from '../helpers/management.js';
import { startTestStack, uniqueId, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
const sources = new Map<SchemeName, { id: string; secret: string }>();

beforeAll(async () => {
  stack = await startTestStack();
  for (const scheme of schemeNames) {
    const id = uniqueId(`fuzz-${scheme.replace(/[^a-z]/g, '')}`);
    const secret = scheme === 'standard-webhooks' ? `whsec_${randomBytes(24).toString('base64')}` : 'fuzz-secret-123';
    await manage(stack, 'POST', '/v1/sources', { id, scheme, secret, maxBodyBytes: 1024 * 1024 });
    sources.set(scheme, { id, secret });
  }
});
afterAll(() => stack?.stop());

const nasty = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constant('\u0000\u0000'),
  fc.constant('{"a":1,"a":2}'),
  fc.constant('['.repeat(5_000) + ']'.repeat(5_000)),
  fc.constant(`{"s":"${'x'.repeat(1_000_000)}"}`),
  fc.constant('{"type":"\ud800"}'),
  fc.json(),
);
const body = fc.oneof(
  nasty.map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 2_000 }).map((b) => Buffer.from(b)),
  fc.constant(Buffer.from([0xff, 0xfe, 0x7b, 0x7d])),
);
const headerValue = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.constantFrom(
    'v1,',
    'v1,!!!',
    't=,v1=',
    't=abc,v1=zz',
    'sha256=',
    'sha256=nothex',
    ' ',
    'v1,a v1,b v2,c',
    '9'.repeat(30),
    '-1',
  ),
  fc.constant('x'.repeat(7_000)),
);
const headerName = fc.constantFrom(
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'svix-signature',
  'stripe-signature',
  'x-hub-signature-256',
  'x-github-delivery',
  'x-github-event',
  'x-shopify-hmac-sha256',
  'x-signature',
  'x-signature-timestamp',
  'idempotency-key',
  'x-request-id',
);

/** Only header values fetch can carry (visible ASCII + space/tab); other bytes are a client-side error, not a test of ours. */
const sendable = (value: string) => value.replace(/[^\x20-\x7e\t]/g, '?').trim();

describe('hostile ingress', () => {
  it('never answers 5xx and always explains a rejection with problem+json, whatever the body and headers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...schemeNames),
        body,
        fc.array(fc.tuple(headerName, headerValue), { maxLength: 5 }),
        fc.boolean(),
        fc.constantFrom('application/json', 'application/vnd.x+json', 'text/plain', ''),
        async (scheme, raw, extraHeaders, signValidly, contentType) => {
          const source = sources.get(scheme)!;
          const headers: Record<string, string> = signValidly
            ? signPartnerRequest({ scheme, secret: source.secret, body: raw.toString('latin1') })
            : {};
          for (const [name, value] of extraHeaders) headers[name] = sendable(value);
          if (contentType) headers['content-type'] = contentType;
          else delete headers['content-type'];
          const response = await fetch(`${stack.url}/v1/webhooks/${source.id}`, { method: 'POST', headers, body: raw });
          const text = await response.text();
          expect(response.status, text).toBeLessThan(500);
          if (response.status >= 400) {
            expect(response.headers.get('content-type')).toContain('application/problem+json');
            expect(JSON.parse(text)).toMatchObject({ status: response.status, traceId: expect.any(String) });
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses a signature that is valid for one source when sent to another', async () => {
    const a = sources.get('hmac-sha256')!;
    const bId = uniqueId('other');
    await manage(stack, 'POST', '/v1/sources', { id: bId, scheme: 'hmac-sha256', secret: 'another-secret-999' });
    const raw = JSON.stringify({
      eventId: 'e',
      eventType: 't',
      occurredAt: new Date().toISOString(),
      source: 's',
      idempotencyKey: 'k1',
      payload: {},
    });
    const headers = signPartnerRequest({ scheme: 'hmac-sha256', secret: a.secret, body: raw });
    expect((await fetch(`${stack.url}/v1/webhooks/${a.id}`, { method: 'POST', headers, body: raw })).status).toBe(202);
    expect((await fetch(`${stack.url}/v1/webhooks/${bId}`, { method: 'POST', headers, body: raw })).status).toBe(401);
  });
});
