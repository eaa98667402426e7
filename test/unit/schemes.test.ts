import { randomBytes } from 'node:crypto';
import { sign as signGithub, verify as verifyGithub } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { signPartnerRequest } from '../../src/schemes/index.js';
import { type SchemeName, type SignedRequest, schemeNames, schemes } from '../../src/schemes/index.js';
import { signStandardWebhook } from '../../src/schemes/standard-webhooks.js';

const NOW = 1_750_000_000;
const TOLERANCE = 300;
const BODY = JSON.stringify({ id: 'evt_1', type: 'thing.happened', action: 'opened', data: { amount: 2000 } });
const TAMPERED_BODY = BODY.replace('2000', '2001');

/** `whsec_<base64>` works for every scheme: standard-webhooks decodes it, the others key on the whole string. */
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
const SECRET = newSecret();
const OTHER_SECRET = newSecret();

/** A request as ingress hands it to a scheme: header names looked up case-insensitively. */
function signedRequest(headers: Record<string, string>, body: string | Buffer, nowSeconds = NOW): SignedRequest {
  const lowerCased = new Map(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  return { header: (name) => lowerCased.get(name.toLowerCase()), rawBody: Buffer.from(body), nowSeconds };
}

function verify(
  scheme: SchemeName,
  headers: Record<string, string>,
  body: string | Buffer,
  options: { secrets?: string[]; nowSeconds?: number } = {},
) {
  return schemes[scheme].verify({
    ...signedRequest(headers, body, options.nowSeconds),
    secrets: options.secrets ?? [SECRET],
    toleranceSeconds: TOLERANCE,
  });
}

function partnerHeaders(
  scheme: SchemeName,
  overrides: { body?: string; secret?: string; timestampSeconds?: number } = {},
) {
  return signPartnerRequest({
    scheme,
    secret: overrides.secret ?? SECRET,
    body: overrides.body ?? BODY,
    timestampSeconds: overrides.timestampSeconds ?? NOW,
    id: 'msg_2a8f',
    eventType: 'pull_request',
  });
}

interface SchemeCase {
  scheme: SchemeName;
  /** The header that carries the signature. */
  signatureHeader: string;
  /** Signature header values that cannot be parsed as this scheme's signature. */
  malformed: string[];
  timestamped: boolean;
}

const cases: SchemeCase[] = [
  {
    scheme: 'standard-webhooks',
    signatureHeader: 'webhook-signature',
    malformed: ['garbage', 'v2,c2lnbmF0dXJl', 'v1', 'v1=c2lnbmF0dXJl'],
    timestamped: true,
  },
  {
    scheme: 'stripe',
    signatureHeader: 'stripe-signature',
    malformed: [
      'garbage',
      `t=${NOW}`,
      `v1=${'ab'.repeat(32)}`,
      `t=${NOW},t=${NOW},v1=${'ab'.repeat(32)}`,
      `t=soon,v1=${'ab'.repeat(32)}`,
    ],
    timestamped: true,
  },
  {
    scheme: 'github',
    signatureHeader: 'x-hub-signature-256',
    malformed: ['garbage', 'ab'.repeat(32), `sha1=${'ab'.repeat(20)}`, 'sha256='],
    timestamped: false,
  },
  {
    scheme: 'shopify',
    signatureHeader: 'x-shopify-hmac-sha256',
    malformed: ['garbage', 'not base64!!', `sha256=${'ab'.repeat(32)}`],
    timestamped: false,
  },
  {
    scheme: 'hmac-sha256',
    signatureHeader: 'x-signature',
    malformed: ['garbage', 'sha256=', 'zz'.repeat(32)],
    timestamped: true,
  },
];

it('covers every registered scheme', () => {
  expect(cases.map((c) => c.scheme).sort()).toEqual([...schemeNames].sort());
});

/** Every signature the correct signer would produce for this body, in any of its encodings' pieces. */
function expectedSignatureParts(scheme: SchemeName, body: string, timestampSeconds = NOW): string[] {
  const sigCase = cases.find((c) => c.scheme === scheme)!;
  const value = partnerHeaders(scheme, { body, timestampSeconds })[sigCase.signatureHeader]!;
  return value.split(/[=,\s]/).filter((part) => part.length >= 16);
}

function expectRejectedWithoutLeaking(result: ReturnType<typeof verify>, scheme: SchemeName, verifiedBody: string) {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(result.reason.length).toBeGreaterThan(0);
  for (const part of [...expectedSignatureParts(scheme, verifiedBody), SECRET, SECRET.slice(6)])
    expect(result.reason).not.toContain(part);
}

describe.each(cases)('$scheme verification', ({ scheme, signatureHeader, malformed }) => {
  it('accepts a request signed by our partner signer', () => {
    expect(verify(scheme, partnerHeaders(scheme), BODY)).toEqual({ ok: true });
  });

  it('accepts header names in any case', () => {
    const shouted = Object.fromEntries(
      Object.entries(partnerHeaders(scheme)).map(([name, value]) => [name.toUpperCase(), value]),
    );
    expect(verify(scheme, shouted, BODY)).toEqual({ ok: true });
  });

  it('rejects a tampered body without revealing the expected signature', () => {
    expectRejectedWithoutLeaking(verify(scheme, partnerHeaders(scheme), TAMPERED_BODY), scheme, TAMPERED_BODY);
  });

  it('rejects a signature made with the wrong secret', () => {
    const headers = partnerHeaders(scheme, { secret: OTHER_SECRET });
    expectRejectedWithoutLeaking(verify(scheme, headers, BODY), scheme, BODY);
  });

  it('rejects a request without the signature header', () => {
    const { [signatureHeader]: _dropped, ...headers } = partnerHeaders(scheme);
    const result = verify(scheme, headers, BODY);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/i) });
  });

  it('rejects an empty signature header', () => {
    expectRejectedWithoutLeaking(
      verify(scheme, { ...partnerHeaders(scheme), [signatureHeader]: '' }, BODY),
      scheme,
      BODY,
    );
  });

  it.each(malformed)('rejects the malformed signature header %j without revealing the expected signature', (value) => {
    expectRejectedWithoutLeaking(
      verify(scheme, { ...partnerHeaders(scheme), [signatureHeader]: value }, BODY),
      scheme,
      BODY,
    );
  });

  it('accepts a request signed with a previous secret still in rotation', () => {
    expect(verify(scheme, partnerHeaders(scheme), BODY, { secrets: [OTHER_SECRET, SECRET] })).toEqual({ ok: true });
    expect(
      verify(scheme, partnerHeaders(scheme, { secret: OTHER_SECRET }), BODY, { secrets: [SECRET, OTHER_SECRET] }),
    ).toEqual({ ok: true });
  });

  it('rejects when no secret is configured', () => {
    expect(verify(scheme, partnerHeaders(scheme), BODY, { secrets: [] }).ok).toBe(false);
  });
});

describe.each(cases.filter((c) => c.timestamped))('$scheme timestamp tolerance', ({ scheme }) => {
  it.each([
    { label: 'older than the tolerance', skew: -(TOLERANCE + 1), reason: /older/ },
    { label: 'further in the future than the tolerance', skew: TOLERANCE + 1, reason: /future/ },
    { label: 'an hour old', skew: -3600, reason: /older/ },
  ])('rejects a correctly signed timestamp $label', ({ skew, reason }) => {
    const headers = partnerHeaders(scheme, { timestampSeconds: NOW + skew });
    const result = verify(scheme, headers, BODY);
    expect(result).toMatchObject({ ok: false, reason: expect.stringMatching(reason) });
    expectRejectedWithoutLeaking(result, scheme, BODY);
  });

  it.each([
    { label: 'exactly at the tolerance in the past', skew: -TOLERANCE },
    { label: 'exactly at the tolerance in the future', skew: TOLERANCE },
    { label: 'one second inside the past tolerance', skew: -(TOLERANCE - 1) },
    { label: 'one second inside the future tolerance', skew: TOLERANCE - 1 },
  ])('accepts a timestamp $label', ({ skew }) => {
    expect(verify(scheme, partnerHeaders(scheme, { timestampSeconds: NOW + skew }), BODY)).toEqual({ ok: true });
  });

  it('rejects a timestamp changed after signing', () => {
    const headers = partnerHeaders(scheme);
    const moved = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replaceAll(String(NOW), String(NOW + 1))]),
    );
    expect(verify(scheme, moved, BODY).ok).toBe(false);
  });
});

describe('timestamp headers', () => {
  it.each([
    { scheme: 'standard-webhooks' as const, header: 'webhook-timestamp' },
    { scheme: 'hmac-sha256' as const, header: 'x-signature-timestamp' },
  ])('$scheme rejects a missing or non-numeric $header', ({ scheme, header }) => {
    const { [header]: _dropped, ...withoutTimestamp } = partnerHeaders(scheme);
    expect(verify(scheme, withoutTimestamp, BODY)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/missing/),
    });
    for (const value of ['soon', '1.5', '-1', `${NOW}000000000`]) {
      expect(verify(scheme, { ...partnerHeaders(scheme), [header]: value }, BODY).ok).toBe(false);
    }
  });

  it('rejects a timestamp given in milliseconds', () => {
    const headers = partnerHeaders('hmac-sha256', { timestampSeconds: NOW * 1000 });
    expect(verify('hmac-sha256', headers, BODY)).toMatchObject({ ok: false });
  });
});

describe('standard-webhooks specifics', () => {
  const svixHeaders = (headers: Record<string, string>) =>
    Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.replace(/^webhook-/, 'svix-'), value]));

  it('accepts Svix header names', () => {
    const headers = svixHeaders(partnerHeaders('standard-webhooks'));
    expect(Object.keys(headers)).toEqual(expect.arrayContaining(['svix-id', 'svix-timestamp', 'svix-signature']));
    expect(verify('standard-webhooks', headers, BODY)).toEqual({ ok: true });
  });

  it('rejects a tampered body under Svix header names', () => {
    expect(verify('standard-webhooks', svixHeaders(partnerHeaders('standard-webhooks')), TAMPERED_BODY).ok).toBe(false);
  });

  it('accepts a list of space-separated signatures when only one of them matches', () => {
    const valid = partnerHeaders('standard-webhooks');
    const wrong = partnerHeaders('standard-webhooks', { secret: OTHER_SECRET })['webhook-signature']!;
    const list = `${wrong} v1,${randomBytes(32).toString('base64')} v2,abc ${valid['webhook-signature']}`;
    expect(verify('standard-webhooks', { ...valid, 'webhook-signature': list }, BODY)).toEqual({ ok: true });
  });

  it('rejects a list of space-separated signatures when none matches', () => {
    const valid = partnerHeaders('standard-webhooks');
    const wrong = partnerHeaders('standard-webhooks', { secret: OTHER_SECRET })['webhook-signature']!;
    const list = `${wrong} v1,${randomBytes(32).toString('base64')}`;
    expectRejectedWithoutLeaking(
      verify('standard-webhooks', { ...valid, 'webhook-signature': list }, BODY),
      'standard-webhooks',
      BODY,
    );
  });

  it('rejects a signature whose message id was changed', () => {
    expect(
      verify('standard-webhooks', { ...partnerHeaders('standard-webhooks'), 'webhook-id': 'msg_other' }, BODY).ok,
    ).toBe(false);
  });

  it('rejects a request without a message id', () => {
    const { 'webhook-id': _dropped, ...headers } = partnerHeaders('standard-webhooks');
    expect(verify('standard-webhooks', headers, BODY)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/webhook-id/),
    });
  });
});

describe('stripe specifics', () => {
  const hex = () => randomBytes(32).toString('hex');

  it('accepts several v1 signatures when only the second matches', () => {
    const valid = partnerHeaders('stripe')['stripe-signature']!;
    const [timestampPart, signaturePart] = valid.split(',');
    expect(verify('stripe', { 'stripe-signature': `${timestampPart},v1=${hex()},${signaturePart}` }, BODY)).toEqual({
      ok: true,
    });
  });

  it('rejects several v1 signatures when none matches', () => {
    expectRejectedWithoutLeaking(
      verify('stripe', { 'stripe-signature': `t=${NOW},v1=${hex()},v1=${hex()}` }, BODY),
      'stripe',
      BODY,
    );
  });

  it('ignores a v0 signature that would match', () => {
    const valid = partnerHeaders('stripe')['stripe-signature']!;
    expect(verify('stripe', { 'stripe-signature': valid.replace('v1=', 'v0=') }, BODY).ok).toBe(false);
  });

  it('accepts upper-case hex', () => {
    const valid = partnerHeaders('stripe')['stripe-signature']!;
    const [timestampPart, signaturePart] = valid.split(',');
    expect(
      verify(
        'stripe',
        {
          'stripe-signature': `${timestampPart},${signaturePart!.replace(/=(.*)$/, (_m, sig: string) => `=${sig.toUpperCase()}`)}`,
        },
        BODY,
      ),
    ).toEqual({ ok: true });
  });
});

describe("interop with the providers' own signers", () => {
  it("accepts a Stripe-Signature made by stripe's test header helper", () => {
    const header = Stripe.webhooks.generateTestHeaderString({ payload: BODY, secret: SECRET, timestamp: NOW });
    expect(verify('stripe', { 'Stripe-Signature': header }, BODY)).toEqual({ ok: true });
  });

  it('rejects a stripe-signed header older than the tolerance', () => {
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: SECRET,
      timestamp: NOW - TOLERANCE - 1,
    });
    expect(verify('stripe', { 'Stripe-Signature': header }, BODY)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/older/),
    });
  });

  it('produces Stripe-Signature headers that stripe itself verifies', () => {
    const header = partnerHeaders('stripe')['stripe-signature']!;
    expect(Stripe.webhooks.signature!.verifyHeader(BODY, header, SECRET, TOLERANCE, undefined, NOW * 1000)).toBe(true);
  });

  it('accepts an X-Hub-Signature-256 made by @octokit/webhooks-methods', async () => {
    const signature = await signGithub(SECRET, BODY);
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verify('github', { 'X-Hub-Signature-256': signature, 'X-GitHub-Event': 'push' }, BODY)).toEqual({
      ok: true,
    });
  });

  it('produces X-Hub-Signature-256 headers that @octokit/webhooks-methods verifies', async () => {
    expect(await verifyGithub(SECRET, BODY, partnerHeaders('github')['x-hub-signature-256']!)).toBe(true);
  });

  it('accepts a webhook-signature made by the standardwebhooks library', () => {
    const signature = new Webhook(SECRET).sign('msg_2a8f', new Date(NOW * 1000), BODY);
    const headers = { 'webhook-id': 'msg_2a8f', 'webhook-timestamp': String(NOW), 'webhook-signature': signature };
    expect(verify('standard-webhooks', headers, BODY)).toEqual({ ok: true });
  });

  it('produces webhook-signature headers that the standardwebhooks library verifies', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_out_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook(SECRET, 'msg_out_1', timestamp, BODY),
    };
    expect(new Webhook(SECRET).verify(BODY, headers)).toEqual(JSON.parse(BODY));
    expect(
      new Webhook(SECRET).verify(BODY, partnerHeaders('standard-webhooks', { timestampSeconds: timestamp })),
    ).toEqual(JSON.parse(BODY));
  });

  it('produces webhook-signature headers that the standardwebhooks library rejects for another secret', () => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'msg_out_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandardWebhook(OTHER_SECRET, 'msg_out_1', timestamp, BODY),
    };
    expect(() => new Webhook(SECRET).verify(BODY, headers)).toThrow();
  });
});

describe('default idempotency key and event type', () => {
  const table: {
    scheme: SchemeName;
    label: string;
    headers: Record<string, string>;
    body: unknown;
    key: string | undefined;
    eventType: string | undefined;
  }[] = [
    {
      scheme: 'standard-webhooks',
      label: 'webhook-id and body type',
      headers: { 'Webhook-Id': 'msg_1' },
      body: { type: 'email.sent' },
      key: 'msg_1',
      eventType: 'email.sent',
    },
    {
      scheme: 'standard-webhooks',
      label: 'svix-id',
      headers: { 'svix-id': 'msg_svix' },
      body: { type: 'user.created' },
      key: 'msg_svix',
      eventType: 'user.created',
    },
    {
      scheme: 'standard-webhooks',
      label: 'nothing',
      headers: {},
      body: { data: {} },
      key: undefined,
      eventType: undefined,
    },
    {
      scheme: 'stripe',
      label: 'body id and type',
      headers: { 'Idempotency-Key': 'ignored' },
      body: { id: 'evt_9', type: 'charge.succeeded' },
      key: 'evt_9',
      eventType: 'charge.succeeded',
    },
    {
      scheme: 'stripe',
      label: 'an array body',
      headers: {},
      body: [{ id: 'evt_9' }],
      key: undefined,
      eventType: undefined,
    },
    {
      scheme: 'github',
      label: 'delivery and event with action',
      headers: { 'X-GitHub-Delivery': 'd-1', 'X-GitHub-Event': 'pull_request' },
      body: { action: 'opened' },
      key: 'd-1',
      eventType: 'pull_request.opened',
    },
    {
      scheme: 'github',
      label: 'event without action',
      headers: { 'X-GitHub-Delivery': 'd-2', 'X-GitHub-Event': 'push' },
      body: { ref: 'refs/heads/main' },
      key: 'd-2',
      eventType: 'push',
    },
    {
      scheme: 'github',
      label: 'action without event header',
      headers: {},
      body: { action: 'opened' },
      key: undefined,
      eventType: undefined,
    },
    {
      scheme: 'shopify',
      label: 'webhook id and topic',
      headers: { 'X-Shopify-Webhook-Id': 'b54557e4', 'X-Shopify-Topic': 'orders/create' },
      body: { id: 1 },
      key: 'b54557e4',
      eventType: 'orders/create',
    },
    {
      scheme: 'hmac-sha256',
      label: 'body idempotencyKey over the header',
      headers: { 'Idempotency-Key': 'from-header' },
      body: { idempotencyKey: 'from-body', eventType: 'shipment.delivered' },
      key: 'from-body',
      eventType: 'shipment.delivered',
    },
    {
      scheme: 'hmac-sha256',
      label: 'the Idempotency-Key header as fallback',
      headers: { 'Idempotency-Key': 'from-header' },
      body: { eventType: 'shipment.delivered' },
      key: 'from-header',
      eventType: 'shipment.delivered',
    },
    {
      scheme: 'hmac-sha256',
      label: 'nothing',
      headers: {},
      body: { idempotencyKey: '' },
      key: undefined,
      eventType: undefined,
    },
  ];

  it.each(table)('$scheme reads $label', ({ scheme, headers, body, key, eventType }) => {
    const request = signedRequest(headers, JSON.stringify(body));
    expect(schemes[scheme].defaultIdempotencyKey(request, body)).toBe(key);
    expect(schemes[scheme].defaultEventType(request, body)).toBe(eventType);
  });
});
