import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BlockedTargetError,
  checkTargetUrl,
  NoResponseError,
  type OutboundRequest,
  sendRequest,
  type TargetPolicy,
} from '../../src/delivery/http-client.js';
import { subscriptionUrlProblem } from '../../src/delivery/validate-target.js';
import { freePort } from '../../src/dev/free-port.js';

const PRIVATE_ALLOWED: TargetPolicy = { allowPrivateTargets: true, requireHttps: false };
const PRIVATE_BLOCKED: TargetPolicy = { allowPrivateTargets: false, requireHttps: false };

/** A real server on loopback that counts every TCP connection and request it sees. */
interface LocalServer {
  port: number;
  url: string;
  connections: number;
  requests: number;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<LocalServer> {
  const local: LocalServer = { port: 0, url: '', connections: 0, requests: 0 };
  const server = createServer((req, res) => {
    local.requests += 1;
    handler(req, res);
  });
  server.on('connection', () => (local.connections += 1));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  local.port = (server.address() as AddressInfo).port;
  local.url = `http://127.0.0.1:${local.port}`;
  return local;
}

/** As callers use it (`await` inside an async function), so a refusal before connecting surfaces as a rejection. */
async function send(request: Partial<OutboundRequest> & { url: string }, policy: TargetPolicy = PRIVATE_ALLOWED) {
  return sendRequest({ method: 'GET', headers: {}, timeoutMs: 2000, maxResponseBytes: 64 * 1024, ...request }, policy);
}

describe('sendRequest', () => {
  it('returns the status, headers and body the server answered', async () => {
    const server = await listen((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(201, {
          'content-type': 'application/json',
          'x-echo-method': req.method ?? '',
          'x-echo-auth': req.headers.authorization ?? '',
        });
        res.end(JSON.stringify({ received: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    const response = await send({
      method: 'POST',
      url: `${server.url}/hooks`,
      headers: { authorization: 'Bearer t' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(201);
    expect(response.headers).toMatchObject({
      'content-type': 'application/json',
      'x-echo-method': 'POST',
      'x-echo-auth': 'Bearer t',
    });
    expect(JSON.parse(response.body.toString('utf8'))).toEqual({ received: '{"a":1}' });
    expect(response.truncated).toBe(false);
  });

  it('returns error statuses as answers, not as failures', async () => {
    const server = await listen((_req, res) => {
      res.writeHead(503, { 'retry-after': '7' });
      res.end('busy');
    });
    const response = await send({ url: server.url });
    expect(response).toMatchObject({ status: 503, truncated: false });
    expect(response.headers['retry-after']).toBe('7');
    expect(response.body.toString('utf8')).toBe('busy');
  });

  it('cuts a body larger than maxResponseBytes at exactly that many bytes', async () => {
    const server = await listen((_req, res) => res.end('y'.repeat(5000)));
    const response = await send({ url: server.url, maxResponseBytes: 1000 });
    expect(response.status).toBe(200);
    expect(response.truncated).toBe(true);
    expect(response.body.length).toBe(1000);
    expect(response.body.toString('utf8')).toBe('y'.repeat(1000));
  });

  it('reads a body of exactly maxResponseBytes whole', async () => {
    const server = await listen((_req, res) => res.end('z'.repeat(1000)));
    const response = await send({ url: server.url, maxResponseBytes: 1000 });
    expect(response.truncated).toBe(false);
    expect(response.body.length).toBe(1000);
  });

  it('stops reading a body that streams forever once the cap is reached', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const server = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = () => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const started = Date.now();
    const response = await send({ url: server.url, maxResponseBytes: 50_000, timeoutMs: 5000 });
    expect(response.truncated).toBe(true);
    expect(response.body.length).toBe(50_000);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('gives up on a server that never answers with NoResponseError after about timeoutMs', async () => {
    const server = await listen(() => {});
    const started = Date.now();
    await expect(send({ url: server.url, timeoutMs: 300 })).rejects.toBeInstanceOf(NoResponseError);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
    expect(server.requests).toBe(1);
  });

  it('applies the same deadline to a body that starts but never finishes', async () => {
    const server = await listen((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const started = Date.now();
    await expect(send({ url: server.url, timeoutMs: 300 })).rejects.toBeInstanceOf(NoResponseError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('reports a refused connection as NoResponseError', async () => {
    const port = await freePort();
    await expect(send({ url: `http://127.0.0.1:${port}/` })).rejects.toBeInstanceOf(NoResponseError);
  });

  it('returns a redirect as the answer without following it', async () => {
    const target = await listen((_req, res) => res.end('followed'));
    const redirecting = await listen((_req, res) => {
      res.writeHead(302, { location: `${target.url}/elsewhere` });
      res.end();
    });
    const response = await send({ url: redirecting.url });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${target.url}/elsewhere`);
    expect(target.connections).toBe(0);
    expect(target.requests).toBe(0);
  });

  describe('when private targets are not allowed', () => {
    it.each([
      { what: 'literal 127.0.0.1', url: (port: number) => `http://127.0.0.1:${port}/` },
      { what: 'literal [::1]', url: (port: number) => `http://[::1]:${port}/` },
      { what: 'literal 0.0.0.0', url: (port: number) => `http://0.0.0.0:${port}/` },
      { what: 'shorthand 127.1', url: (port: number) => `http://127.1:${port}/` },
      { what: 'decimal 2130706433', url: (port: number) => `http://2130706433:${port}/` },
      { what: 'mapped [::ffff:127.0.0.1]', url: (port: number) => `http://[::ffff:127.0.0.1]:${port}/` },
      { what: 'metadata 169.254.169.254', url: () => 'http://169.254.169.254/latest/meta-data/' },
    ])('refuses a $what URL with BlockedTargetError before connecting', async ({ url }) => {
      const server = await listen((_req, res) => res.end('reached'));
      await expect(send({ url: url(server.port) }, PRIVATE_BLOCKED)).rejects.toBeInstanceOf(BlockedTargetError);
      expect(server.connections).toBe(0);
    });

    it('refuses a hostname that resolves to loopback (localhost) at connect time', async () => {
      const server = await listen((_req, res) => res.end('reached'));
      await expect(send({ url: `http://localhost:${server.port}/` }, PRIVATE_BLOCKED)).rejects.toBeInstanceOf(
        BlockedTargetError,
      );
      expect(server.connections).toBe(0);
    });
  });

  it('reaches the same local server when private targets are allowed', async () => {
    const server = await listen((_req, res) => res.end('reached'));
    const response = await send({ url: `${server.url}/` }, PRIVATE_ALLOWED);
    expect(response.status).toBe(200);
    expect(response.body.toString('utf8')).toBe('reached');
  });

  it('refuses http:// when https is required, without connecting', async () => {
    const server = await listen((_req, res) => res.end('reached'));
    await expect(send({ url: server.url }, { allowPrivateTargets: true, requireHttps: true })).rejects.toBeInstanceOf(
      BlockedTargetError,
    );
    expect(server.connections).toBe(0);
  });
});

describe('checkTargetUrl', () => {
  it.each([
    { url: 'ftp://files.example.com/x', policy: PRIVATE_ALLOWED, why: 'an ftp: scheme' },
    { url: 'file:///etc/passwd', policy: PRIVATE_ALLOWED, why: 'a file: scheme' },
    { url: 'gopher://example.com/', policy: PRIVATE_ALLOWED, why: 'a gopher: scheme' },
    { url: 'https://user:pass@partner.example/hooks', policy: PRIVATE_ALLOWED, why: 'credentials in the URL' },
    { url: 'https://user@partner.example/hooks', policy: PRIVATE_ALLOWED, why: 'a user name in the URL' },
    {
      url: 'http://partner.example/hooks',
      policy: { allowPrivateTargets: true, requireHttps: true },
      why: 'http:// while https is required',
    },
    { url: 'not a url', policy: PRIVATE_ALLOWED, why: 'an unparsable URL' },
    { url: 'http://10.0.0.1/', policy: PRIVATE_BLOCKED, why: 'a private literal address' },
    { url: 'http://[fe80::1]/', policy: PRIVATE_BLOCKED, why: 'a link-local IPv6 literal' },
  ])('refuses $why', ({ url, policy }) => {
    expect(() => checkTargetUrl(url, policy)).toThrow(BlockedTargetError);
  });

  it.each([
    { url: 'https://partner.example/hooks', policy: { allowPrivateTargets: false, requireHttps: true } },
    { url: 'http://partner.example/hooks', policy: PRIVATE_BLOCKED },
    { url: 'https://8.8.8.8/hooks', policy: PRIVATE_BLOCKED },
    { url: 'http://127.0.0.1:8080/hooks', policy: PRIVATE_ALLOWED },
  ])('accepts $url under $policy', ({ url, policy }) => {
    expect(checkTargetUrl(url, policy).href).toBe(new URL(url).href);
  });
});

describe('subscriptionUrlProblem', () => {
  it.each(['http://localhost:1/', 'http://10.0.0.1/', 'http://[::1]/', 'http://169.254.169.254/'])(
    'gives a reason for %s when private targets are not allowed',
    async (url) => {
      expect(await subscriptionUrlProblem(url, PRIVATE_BLOCKED)).toEqual(expect.any(String));
    },
  );

  it.each(['http://localhost:1/', 'http://10.0.0.1/'])('accepts %s when private targets are allowed', async (url) => {
    expect(await subscriptionUrlProblem(url, PRIVATE_ALLOWED)).toBeUndefined();
  });

  it('still applies the scheme and https rules when private targets are allowed', async () => {
    expect(await subscriptionUrlProblem('ftp://partner.example/', PRIVATE_ALLOWED)).toEqual(expect.any(String));
    expect(
      await subscriptionUrlProblem('http://partner.example/', { allowPrivateTargets: true, requireHttps: true }),
    ).toEqual(expect.any(String));
  });
});
