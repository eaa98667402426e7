import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isBlockedAddress } from './blocked-addresses.js';

/** The target is (or resolves only to) a blocked address, or breaks the https rule. Never retried. */
export class BlockedTargetError extends Error {
  override name = 'BlockedTargetError';
  readonly code = 'EHOOKFLOWBLOCKED';
}

/** No HTTP answer: connection refused/reset, DNS failure, or timeout. Retryable. */
export class NoResponseError extends Error {
  override name = 'NoResponseError';
}

export interface TargetPolicy {
  allowPrivateTargets: boolean;
  requireHttps: boolean;
}

export interface OutboundRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  maxResponseBytes: number;
}

export interface OutboundResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** At most `maxResponseBytes` of the body; the rest is never read. */
  body: Buffer;
  truncated: boolean;
}

// Keep-alive pools shared by every delivery of this process: reconnecting per attempt is costly.
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 }),
};

/**
 * DNS lookup that drops blocked addresses: the check happens on the addresses the socket will
 * actually connect to, so a hostname that re-resolves into the network later is still refused.
 */
function guardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const usable = policy.allowPrivateTargets ? addresses : addresses.filter((a) => !isBlockedAddress(a.address));
      if (usable.length === 0)
        return callback(new BlockedTargetError(`${hostname} resolves only to blocked addresses`), '', 0);
      if ((options as { all?: boolean }).all)
        return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/** Checks what can be checked before connecting: scheme, https rule, literal IP hosts. */
export function checkTargetUrl(rawUrl: string, policy: TargetPolicy): URL {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new BlockedTargetError('not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new BlockedTargetError(`scheme ${url.protocol} is not allowed`);
  if (policy.requireHttps && url.protocol !== 'https:')
    throw new BlockedTargetError('https is required (REQUIRE_HTTPS=true)');
  if (url.username || url.password) throw new BlockedTargetError('credentials in the URL are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!policy.allowPrivateTargets && isIP(host) && isBlockedAddress(host))
    throw new BlockedTargetError(`${host} is a blocked address`);
  return url;
}

/** The one HTTP client for outbound calls: SSRF-guarded, no redirects, time- and size-bounded. */
export async function sendRequest(request: OutboundRequest, policy: TargetPolicy): Promise<OutboundResponse> {
  const url = checkTargetUrl(request.url, policy);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<OutboundResponse>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | undefined, response?: OutboundResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(response!);
    };
    const req = transport.request(url, {
      method: request.method,
      headers:
        request.body === undefined
          ? request.headers
          : { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
      agent: agents[url.protocol as 'http:' | 'https:'],
      lookup: guardedLookup(policy),
    });
    // One deadline for connect + response headers + the capped body.
    const timer = setTimeout(() => {
      req.destroy();
      finish(new NoResponseError(`no complete response within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error instanceof BlockedTargetError || error.code === 'EHOOKFLOWBLOCKED') finish(error);
      else finish(new NoResponseError(`${error.code ?? 'error'}: ${error.message}`));
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const done = () =>
        finish(undefined, {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks),
          truncated,
        });
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = request.maxResponseBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          // Stop reading an oversized (or endless) body; the socket is not reused.
          res.destroy();
          done();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', done);
      res.on('error', (error) =>
        truncated ? done() : finish(new NoResponseError(`response aborted: ${error.message}`)),
      );
      res.on('close', () =>
        res.complete || truncated ? done() : finish(new NoResponseError('response closed before it was complete')),
      );
    });
    req.end(request.body);
  });
}
