import http from 'node:http';
import * as hdr from 'hdr-histogram-js';
import { latencyPercentiles, postRequest, type LoadRequest } from './http-load.js';

export interface OpenLoopResult {
  ratePerSec: number;
  seconds: number;
  sent: number;
  statuses: Record<string, number>;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  errors: number;
  /** How far behind its schedule the generator itself fell at worst (a check on the measurement). */
  maxSendLagMs: number;
}

/**
 * Open-loop load: request i is sent at t0 + i/rate whatever the answers so far, and its latency is
 * measured from that scheduled time (no coordinated omission); rate × seconds requests at most.
 */
export async function runOpenLoopLoad(
  baseUrl: string,
  requests: LoadRequest[],
  ratePerSec: number,
  seconds: number,
): Promise<OpenLoopResult> {
  const url = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 120_000_000,
    numberOfSignificantValueDigits: 3,
  });
  const statuses: Record<string, number> = {};
  const total = Math.min(requests.length, Math.round(ratePerSec * seconds));
  const intervalMs = 1000 / ratePerSec;
  let errors = 0;
  let maxSendLagMs = 0;
  const inFlight: Promise<void>[] = [];
  const send = (i: number, scheduledAt: number) => {
    inFlight.push(
      postRequest(url, agent, requests[i]!, 60_000).then(
        (answer) => {
          histogram.recordValue(Math.max(1, Math.round((performance.now() - scheduledAt) * 1000))); // microseconds
          statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        },
        () => {
          errors++;
        },
      ),
    );
  };
  const t0 = performance.now() + 5;
  let next = 0;
  while (next < total) {
    const now = performance.now();
    // Everything due by now goes out at once; each keeps its own scheduled time.
    while (next < total && t0 + next * intervalMs <= now) {
      const scheduledAt = t0 + next * intervalMs;
      maxSendLagMs = Math.max(maxSendLagMs, now - scheduledAt);
      send(next++, scheduledAt);
    }
    if (next < total) await new Promise((r) => setTimeout(r, Math.max(0, t0 + next * intervalMs - performance.now())));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return {
    ratePerSec: Math.round(ratePerSec),
    seconds,
    sent: total,
    statuses,
    errors,
    ...latencyPercentiles(histogram),
    maxSendLagMs: Math.round(maxSendLagMs * 10) / 10,
  };
}
