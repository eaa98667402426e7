// The ingress phase's open-loop step: a fixed arrival rate at half the bare-start capacity, each
// request's latency counted from its scheduled send (no coordinated omission).
import { runOpenLoopLoad, type OpenLoopResult } from '../runner/open-loop-load.js';
import type { PhaseContext } from '../runner/phase.js';
import { uniqueSignedRequests } from '../runner/signed-requests.js';

/** Distinct signed events to the ingress source at `bareStartsPerSec / 2` for `--open-loop-seconds`. */
export async function measureOpenLoop(
  { stack, options, log }: PhaseContext,
  secret: string,
  bareStartsPerSec: number,
): Promise<OpenLoopResult> {
  const rate = bareStartsPerSec / 2;
  const seconds = options.sizes.openLoopSeconds;
  log(`ingress: open loop at ${Math.round(rate)}/s for ${seconds} s…`);
  const requests = uniqueSignedRequests('bench-ingress', secret, Math.round(rate * seconds), 'open');
  return runOpenLoopLoad(stack.baseUrl, requests, rate, seconds);
}

/** The `[bench]` line for its result. */
export function describeOpenLoop(openLoop: OpenLoopResult): string {
  return `ingress open loop: ${openLoop.sent} requests at ${openLoop.ratePerSec}/s for ${openLoop.seconds} s, p50 ${openLoop.p50Ms} ms, p95 ${openLoop.p95Ms} ms, p99 ${openLoop.p99Ms} ms, max ${openLoop.maxMs} ms; statuses ${JSON.stringify(openLoop.statuses)}, errors ${openLoop.errors}`;
}
