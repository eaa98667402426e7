import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemeNames, type SchemeName } from '../../src/schemes/index.js';
import { sampleBody } from '../../src/cli/sample-bodies.js';
import { signPartnerRequest } from '../../src/schemes/index.js';
import { fastRetries } from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { startTestStack, uniqueId, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// What test/integration/ingress-fuzz.test.ts does not reach: repeated header lines, header bytes outside
// ASCII, control bytes, bodies that are validly signed over bytes that are not UTF-8 (the fuzz test signs
// a latin1 re-reading of the body, so its non-ASCII bodies never pass verification), a captured request
// replayed outside the tolerance, and validly signed JSON that Postgres or Temporal cannot take.
let stack: TestStack;
const sources = new Map<SchemeName, { id: string; secret: string }>();

const secretFor = (scheme: SchemeName) =>
  scheme === 'standard-webhooks'
    ? `whsec_${randomBytes(24).toString('base64')}`
    : `hostile-${randomBytes(12).toString('hex')}`;
async function createSource(scheme: SchemeName, extra: Record<string, unknown> = {}) {
  const id = uniqueId(`hostile-${scheme.replace(/[^a-z]/g, '')}`);
  const secret = secretFor(scheme);
  const created = await manage(stack, 'POST', '/v1/sources', { id, scheme, secret, ...extra });
  expect(created.status, created.text).toBe(201);
  return { id, secret };
}

beforeAll(async () => {
  // Short processing retries: an event that cannot be recorded shows it within a second or two.
  stack = await startTestStack(fastRetries);
  for (const scheme of schemeNames) sources.set(scheme, await createSource(scheme));
});
afterAll(() => stack?.stop());

const signatureHeader: Record<SchemeName, string> = {
  'standard-webhooks': 'webhook-signature',
  stripe: 'stripe-signature',
  github: 'x-hub-signature-256',
  shopify: 'x-shopify-hmac-sha256',
  'hmac-sha256': 'x-signature',
};
const forgedSignature = (scheme: SchemeName) => {
  const bytes = randomBytes(32);
  switch (scheme) {
    case 'standard-webhooks':
      return `v1,${bytes.toString('base64')}`;
    case 'stripe':
      return `t=${Math.floor(Date.now() / 1000)},v1=${bytes.toString('hex')}`;
    case 'github':
      return `sha256=${bytes.toString('hex')}`;
    case 'shopify':
      return bytes.toString('base64');
    case 'hmac-sha256':
      return bytes.toString('hex');
  }
};
/** The header that carries the message id (or, for Stripe, a header that is merely stored). */
const idHeader: Record<SchemeName, string> = {
  'standard-webhooks': 'webhook-id',
  stripe: 'x-request-id',
  github: 'x-github-delivery',
  shopify: 'x-shopify-webhook-id',
  'hmac-sha256': 'idempotency-key',
};

/** A validly signed request for `scheme`; `body` may be raw bytes (signed as bytes). */
function signed(
  scheme: SchemeName,
  options: { body?: Buffer; id?: string; eventType?: string; timestampSeconds?: number } = {},
) {
  const id = options.id ?? `hostile-${randomUUID()}`;
  const body =
    options.body ??
    Buffer.from(
      JSON.stringify(sampleBody(scheme, { id: scheme === 'stripe' || scheme === 'hmac-sha256' ? id : undefined })),
    );
  // The signers accept bytes (they feed an HMAC); the declared type is the CLI's string.
  const headers = signPartnerRequest({
    scheme,
    secret: sources.get(scheme)!.secret,
    body: body as unknown as string,
    id,
    eventType: options.eventType,
    timestampSeconds: options.timestampSeconds,
  });
  return { body, headers };
}

interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json?: Record<string, unknown>;
}

/** POSTs with exact header lines: a name may repeat, values are sent as the bytes of their latin1 reading. */
function post(sourceId: string, headerLines: [string, string][], body: Buffer): Promise<RawAnswer> {
  const url = new URL(`${stack.url}/v1/webhooks/${sourceId}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST' });
    const grouped = new Map<string, string[]>();
    for (const [name, value] of headerLines) grouped.set(name, [...(grouped.get(name) ?? []), value]);
    for (const [name, values] of grouped) req.setHeader(name, values.length === 1 ? values[0]! : values);
    req.setHeader('content-length', String(body.length));
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const contentType = String(res.headers['content-type'] ?? '');
        resolve({
          status: res.statusCode ?? 0,
          contentType,
          text,
          json: contentType.includes('json') && text ? JSON.parse(text) : undefined,
        });
      });
    });
    req.end(body);
  });
}

/** A 4xx must be problem+json; nothing may be a 5xx. */
function expectHandled(answer: RawAnswer, what: string) {
  expect(answer.status, `${what}: ${answer.text.slice(0, 200)}`).toBeLessThan(500);
  if (answer.status >= 400) {
    expect(answer.contentType, what).toContain('application/problem+json');
    expect(answer.json, what).toMatchObject({ status: answer.status, traceId: expect.any(String) });
  }
}

const entries = (headers: Record<string, string>) => Object.entries(headers) as [string, string][];
const without = (headers: Record<string, string>, name: string) => entries(headers).filter(([n]) => n !== name);
/** What a string's UTF-8 bytes look like to a reader that takes header bytes as latin1 (Node and undici do). */
const asHeaderBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

describe('replay outside the tolerance', () => {
  it('refuses the same captured, validly signed request replayed 2 s later against a 1 s tolerance, for every timestamped scheme', async () => {
    const timestamped: SchemeName[] = ['standard-webhooks', 'stripe', 'hmac-sha256'];
    await Promise.all(
      timestamped.map(async (scheme) => {
        const source = await createSource(scheme, { toleranceSeconds: 1 });
        const id = `replay-${randomUUID()}`;
        const body = Buffer.from(JSON.stringify(sampleBody(scheme, { id })));
        const signedAt = Math.floor(Date.now() / 1000);
        const headers = entries(
          signPartnerRequest({
            scheme,
            secret: source.secret,
            body: body.toString('utf8'),
            id,
            timestampSeconds: signedAt,
          }),
        );
        const first = await post(source.id, headers, body);
        expect(first.status, `${scheme} first: ${first.text}`).toBe(202);
        // Two whole seconds past the signed second, so the skew is at least 2 s > 1 s whatever the rounding.
        await new Promise((r) => setTimeout(r, Math.max(0, (signedAt + 3) * 1000 - Date.now())));
        const replay = await post(source.id, headers, body);
        expectHandled(replay, `${scheme} replay`);
        expect(replay.status, `${scheme} replay`).toBe(401);
        expect(String(replay.json?.detail)).toMatch(/older than the 1 s tolerance/);
      }),
    );
  });

  it('acknowledges a replay against an untimestamped scheme (GitHub, Shopify) as a duplicate, without processing it twice', async () => {
    for (const scheme of ['github', 'shopify'] as const) {
      const { body, headers } = signed(scheme);
      const first = await post(sources.get(scheme)!.id, entries(headers), body);
      const replay = await post(sources.get(scheme)!.id, entries(headers), body);
      expect([first.status, replay.status], scheme).toEqual([202, 200]);
      expect(replay.json).toMatchObject({ duplicate: true, eventId: first.json?.eventId });
    }
  });
});

describe.each(schemeNames)('hostile headers and bodies for %s', (scheme) => {
  const sourceId = () => sources.get(scheme)!.id;
  const sig = signatureHeader[scheme];

  it('refuses a repeated signature header unless one of its lines is valid, and never answers 5xx to repeated headers', async () => {
    const { body, headers } = signed(scheme);
    const valid = headers[sig]!;
    const forgedOnly = await post(
      sourceId(),
      [...without(headers, sig), [sig, forgedSignature(scheme)], [sig, forgedSignature(scheme)]],
      body,
    );
    expectHandled(forgedOnly, 'two forged signature lines');
    expect(forgedOnly.status).toBe(401);
    for (const [what, lines] of [
      [
        'valid then forged signature',
        [
          [sig, valid],
          [sig, forgedSignature(scheme)],
        ],
      ],
      [
        'forged then valid signature',
        [
          [sig, forgedSignature(scheme)],
          [sig, valid],
        ],
      ],
      [
        'the same valid signature twice',
        [
          [sig, valid],
          [sig, valid],
        ],
      ],
    ] as [string, [string, string][]][]) {
      const { body: fresh, headers: freshHeaders } = signed(scheme);
      const lines2 = lines.map(([n, v]) => [n, v === valid ? freshHeaders[sig]! : v] as [string, string]);
      expectHandled(await post(sourceId(), [...without(freshHeaders, sig), ...lines2], fresh), what);
    }
    const id = signed(scheme);
    const idName = idHeader[scheme];
    expectHandled(
      await post(sourceId(), [...entries(id.headers), [idName, `other-${randomUUID()}`]], id.body),
      `a second ${idName} line`,
    );
    const ct = signed(scheme);
    expectHandled(
      await post(sourceId(), [...entries(ct.headers), ['content-type', 'text/plain']], ct.body),
      'a second content-type line',
    );
    if (scheme === 'standard-webhooks' || scheme === 'hmac-sha256') {
      const tsName = scheme === 'standard-webhooks' ? 'webhook-timestamp' : 'x-signature-timestamp';
      const ts = signed(scheme);
      const answer = await post(sourceId(), [...entries(ts.headers), [tsName, ts.headers[tsName]!]], ts.body);
      expectHandled(answer, `a repeated ${tsName}`);
    }
  });

  it('accepts validly signed requests whose id, type and other headers carry non-ASCII bytes, and records the event', async () => {
    const wire = asHeaderBytes(`ünïcødé-ключ-🚚-${randomUUID()}`);
    const { body, headers } = signed(scheme, {
      id: scheme === 'stripe' || scheme === 'hmac-sha256' ? undefined : wire,
      eventType: asHeaderBytes('commande/créée'),
    });
    const lines: [string, string][] = [
      ...entries(headers),
      ['user-agent', asHeaderBytes('Partnér/1.0 ☃')],
      ['x-request-id', wire],
    ];
    if (scheme === 'stripe' || scheme === 'hmac-sha256') lines.push(['idempotency-key', wire]);
    const answer = await post(sourceId(), lines, body);
    expectHandled(answer, 'non-ASCII header values');
    expect(answer.status, answer.text).toBe(202);
    const eventId = String(answer.json?.eventId);
    await waitFor(async () => (await manage(stack, 'GET', `/v1/events/${eventId}`)).status === 200, {
      timeoutMs: 20_000,
      what: `event ${eventId} in the ledger`,
    });
  });

  it('refuses a body that is validly signed but not UTF-8 with 400', async () => {
    const bodies = [
      Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // {"a":"\xff\xfe"}
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')]), // overlong "/"
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // UTF-8-encoded surrogate
      Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xe2, 0x82]), Buffer.from('"}')]), // truncated sequence
    ];
    for (const raw of bodies) {
      const { body, headers } = signed(scheme, { body: raw });
      const answer = await post(sourceId(), entries(headers), body);
      expectHandled(answer, `body ${raw.toString('hex')}`);
      expect(answer.status, answer.text).toBe(400);
      expect(String(answer.json?.detail)).toMatch(/UTF-8/);
    }
  });
});

describe('bytes Node refuses to parse', () => {
  it('answers a header line with control bytes with a 400 problem, not a dropped connection', async () => {
    const { port } = new URL(stack.url);
    const body = '{}';
    const raw = `POST /v1/webhooks/${sources.get('github')!.id} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nx-github-event: pu\x01sh\x00\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.end(Buffer.from(raw, 'latin1')));
      const chunks: Buffer[] = [];
      socket.on('data', (c: Buffer) => chunks.push(c));
      socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).toMatch(/content-type: application\/problem\+json/i);
  });
});

describe('validly signed JSON that the pipeline cannot store or carry', () => {
  it(
    'refuses with 400, or records the event, a payload with strings PostgreSQL cannot store (\\u0000, a lone surrogate escape) — never 202 and then lost',
    { timeout: 60_000 },
    async () => {
      const outcomes: string[] = [];
      for (const data of ['nul \\u0000 byte', 'lone \\ud800 surrogate']) {
        const { body, headers } = signed('standard-webhooks', {
          body: Buffer.from(`{"type":"hostile.payload","data":{"text":"${data}"}}`),
        });
        const answer = await post(sources.get('standard-webhooks')!.id, entries(headers), body);
        expectHandled(answer, data);
        if (answer.status !== 202) {
          expect(answer.status, `${data}: ${answer.text}`).toBe(400);
          outcomes.push(`${data}: ${answer.status}`);
          continue;
        }
        const eventId = String(answer.json?.eventId);
        const handle = stack.temporal.workflow.getHandle(String(answer.json?.workflowId));
        // Recorded, or the event workflow gave up (PROCESSING_RETRY_MAX_ATTEMPTS of recordEvent).
        const settled = await waitFor(
          async () => {
            const recorded = (await manage(stack, 'GET', `/v1/events/${eventId}`)).status === 200;
            const workflow = (await handle.describe()).status.name;
            return recorded || workflow !== 'RUNNING' ? { recorded, workflow } : undefined;
          },
          { timeoutMs: 20_000, intervalMs: 250, what: `${eventId} recorded or its workflow closed` },
        );
        outcomes.push(`${data}: 202, recorded ${settled.recorded}, workflow ${settled.workflow}`);
      }
      console.log(`[hostile-ingress] unstorable payloads: ${JSON.stringify(outcomes)}`);
      expect(
        outcomes.filter((o) => o.includes('recorded false')),
        'acknowledged with 202, then the event workflow failed without recording it',
      ).toEqual([]);
    },
  );

  it('refuses a validly signed body nested too deeply for the workflow payload with a 4xx, not a 503 that invites endless retries', async () => {
    const depth = 10_000; // ~20 KB, far below the body limit
    const { body, headers } = signed('standard-webhooks', {
      body: Buffer.from(`{"type":"hostile.deep","data":${'['.repeat(depth)}${']'.repeat(depth)}}`),
    });
    const answer = await post(sources.get('standard-webhooks')!.id, entries(headers), body);
    expectHandled(answer, 'deep nesting');
    console.log(
      `[hostile-ingress] ${depth}-deep body (${body.length} bytes) → ${answer.status} ${String(answer.json?.detail ?? '')}`,
    );
    expect(
      answer.status === 202 || (answer.status >= 400 && answer.status < 500),
      `${answer.status} ${answer.text}`,
    ).toBe(true);
  });
});
