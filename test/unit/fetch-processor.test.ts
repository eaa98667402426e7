import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRequest } from '../../src/delivery/http-client.js';
import { expandUrlTemplate, fetchProcessor } from '../../src/processing/fetch.js';
import { ProcessingRejected, type ProcessorContext } from '../../src/processing/processor.js';
import { type Reply, type Sink, startSink } from '../helpers/sink.js';

describe('expandUrlTemplate', () => {
  const payload = {
    type: 'email.received',
    data: { id: 'em_1', number: 42, spaced: 'a b/c?d#e&f', nested: { id: 'x' }, flag: true },
  };

  it.each([
    { template: 'https://api.mail.example/emails/{/data/id}', expected: 'https://api.mail.example/emails/em_1' },
    { template: 'https://api.mail.example/n/{/data/number}', expected: 'https://api.mail.example/n/42' },
    {
      template: 'https://api.mail.example/e/{/data/spaced}',
      expected: 'https://api.mail.example/e/a%20b%2Fc%3Fd%23e%26f',
    },
    {
      template: 'https://x.example/{/type}/{/data/nested/id}?id={/data/id}',
      expected: 'https://x.example/email.received/x?id=em_1',
    },
    { template: 'https://api.mail.example/static', expected: 'https://api.mail.example/static' },
  ])('fills $template', ({ template, expected }) => {
    expect(expandUrlTemplate(template, payload)).toBe(expected);
  });

  it.each([
    { what: 'a missing pointer', template: 'https://x.example/{/data/missing}' },
    { what: 'a pointer to an object', template: 'https://x.example/{/data/nested}' },
    { what: 'a pointer to a boolean', template: 'https://x.example/{/data/flag}' },
    { what: 'a pointer into a non-object', template: 'https://x.example/{/data/id/deeper}' },
  ])('rejects $what as ProcessingRejected', ({ template }) => {
    expect(() => expandUrlTemplate(template, payload)).toThrow(ProcessingRejected);
  });
});

describe('fetchProcessor.process', () => {
  const documents: Record<string, Reply> = {
    '/emails/em_1': {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'em_1', subject: 'Hello', to: ['ops@example.com'] }),
    },
    '/emails/a%2Fb%20c': {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'a/b c' }),
    },
    '/emails/em_html': { status: 200, headers: { 'content-type': 'text/html' }, body: '<html>not json</html>' },
  };
  const statusFor: Record<string, number> = {
    '/emails/em_404': 404,
    '/emails/em_401': 401,
    '/emails/em_503': 503,
    '/emails/em_500': 500,
    '/emails/em_429': 429,
    '/emails/em_408': 408,
  };

  let resolver: Sink;
  beforeAll(async () => {
    resolver = await startSink(
      (request) => documents[request.path] ?? { status: statusFor[request.path] ?? 404, body: '{"error":"nope"}' },
    );
  });
  afterAll(() => resolver.close());

  // The real SSRF-guarded client, as the processEvent activity wires it, with private targets allowed for loopback.
  const context: ProcessorContext = {
    fetch: (request) =>
      sendRequest(
        { ...request, timeoutMs: 2000, maxResponseBytes: 1024 * 1024 },
        { allowPrivateTargets: true, requireHttps: false },
      ),
  };
  const options = (overrides: Record<string, unknown> = {}) => ({
    name: 'fetch',
    url: `${resolver.url}/emails/{/data/id}`,
    headers: { authorization: 'Bearer resolver-token' },
    ...overrides,
  });
  const pointer = (id: string) => ({ type: 'email.received', data: { id } });

  it('returns the fetched JSON document in place of the pointer payload', async () => {
    expect(await fetchProcessor.process(pointer('em_1'), options(), context)).toEqual({
      id: 'em_1',
      subject: 'Hello',
      to: ['ops@example.com'],
    });
  });

  it('sends the configured headers and asks for JSON', async () => {
    await fetchProcessor.process(
      pointer('em_1'),
      options({ headers: { authorization: 'Bearer resolver-token', 'x-account': 'acme' } }),
      context,
    );
    const request = resolver.received.at(-1)!;
    expect(request.path).toBe('/emails/em_1');
    expect(request.headers).toMatchObject({
      authorization: 'Bearer resolver-token',
      'x-account': 'acme',
      accept: 'application/json',
    });
  });

  it('requests the URL-encoded id from the payload', async () => {
    expect(await fetchProcessor.process(pointer('a/b c'), options(), context)).toEqual({ id: 'a/b c' });
    expect(resolver.received.at(-1)!.path).toBe('/emails/a%2Fb%20c');
  });

  it('sets the document beside the payload when `into` is given', async () => {
    const payload = pointer('em_1');
    expect(await fetchProcessor.process(payload, options({ into: 'email' }), context)).toEqual({
      type: 'email.received',
      data: { id: 'em_1' },
      email: { id: 'em_1', subject: 'Hello', to: ['ops@example.com'] },
    });
  });

  it.each(['em_404', 'em_401'])('rejects a 4xx answer for %s as non-retryable ProcessingRejected', async (id) => {
    await expect(fetchProcessor.process(pointer(id), options(), context)).rejects.toBeInstanceOf(ProcessingRejected);
  });

  it.each([
    { id: 'em_503', status: 503 },
    { id: 'em_500', status: 500 },
    { id: 'em_429', status: 429 },
    { id: 'em_408', status: 408 },
  ])('fails a $status answer with a plain, retryable Error', async ({ id, status }) => {
    const failure = await fetchProcessor.process(pointer(id), options(), context).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toBeInstanceOf(ProcessingRejected);
    expect((failure as Error).message).toContain(String(status));
  });

  it('rejects a document that is not JSON as ProcessingRejected', async () => {
    await expect(fetchProcessor.process(pointer('em_html'), options(), context)).rejects.toBeInstanceOf(
      ProcessingRejected,
    );
  });

  it('rejects a payload without the templated field before fetching anything', async () => {
    const before = resolver.received.length;
    await expect(fetchProcessor.process({ data: {} }, options(), context)).rejects.toBeInstanceOf(ProcessingRejected);
    expect(resolver.received.length).toBe(before);
  });

  it('rejects invalid processor options as ProcessingRejected', async () => {
    await expect(fetchProcessor.process(pointer('em_1'), { name: 'fetch' }, context)).rejects.toBeInstanceOf(
      ProcessingRejected,
    );
  });
});
