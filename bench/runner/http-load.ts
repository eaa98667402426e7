import http from 'node:http';
import * as hdr from 'hdr-histogram-js';

export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadResult {
  requests: number;
  seconds: number;
  perSecond: number;
  statuses: Record<string, number>;
  errors: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Each request's answer, in request order (status and parsed JSON when present). */
  answers: { status: number; body: string }[];
}

/** One POST of `request` through `agent`; resolves with the status and body text (rejects after `timeoutMs` idle, when given). */
export function postRequest(
  url: URL,
  agent: http.Agent,
  request: LoadRequest,
  timeoutMs?: number,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: request.path,
        method: 'POST',
        agent,
        ...(timeoutMs ? { timeout: timeoutMs } : {}),
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** The latency percentiles of a histogram recorded in microseconds, in ms (two decimals). */
export function latencyPercentiles(histogram: ReturnType<typeof hdr.build>) {
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    p50Ms: ms(histogram.getValueAtPercentile(50)),
    p95Ms: ms(histogram.getValueAtPercentile(95)),
    p99Ms: ms(histogram.getValueAtPercentile(99)),
    maxMs: ms(histogram.maxValue),
  };
}

/** Sends `requests` over keep-alive connections with at most `concurrency` in flight; latencies in an HDR histogram. */
export async function runHttpLoad(baseUrl: string, requests: LoadRequest[], concurrency: number): Promise<LoadResult> {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const statuses: Record<string, number> = {};
  const answers: { status: number; body: string }[] = new Array(requests.length);
  let errors = 0;
  let next = 0;
  const send = (request: LoadRequest) => postRequest(url, agent, request);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < requests.length) {
        const index = next++;
        const t0 = performance.now();
        try {
          const answer = await send(requests[index]!);
          histogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000))); // microseconds
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
          answers[index] = answer;
        } catch {
          errors++;
          answers[index] = { status: 0, body: '' };
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return {
    requests: requests.length,
    seconds,
    perSecond: requests.length / seconds,
    statuses,
    errors,
    ...latencyPercentiles(histogram),
    answers,
  };
}
