// The bare Temporal baselines the ratios of `npm run bench` divide by, measured in the same run on the
// same server: workflow starts to a queue no worker polls (the physical limit of an ingress start), and
// the three bare delivery shapes of bench/baselines/ (the limit of a delivery).
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { runDeliveryBaselines } from '../baselines/suite.js';
import { cpuSeconds, percentOfOneCore } from '../runner/cpu.js';
import type { BareStarts, Phase } from '../runner/phase.js';
import { signedRequests, uniqueOf } from '../runner/signed-requests.js';

/**
 * `count` bare `client.workflow.start` calls of `eventWorkflow` at `concurrency` to `taskQueue` (no
 * worker polls it): the physical limit of an ingress start on this server. Returns starts/s and the
 * Temporal server's CPU meanwhile.
 */
export async function bareStarts(
  client: Client,
  options: {
    count: number;
    concurrency: number;
    taskQueue: string;
    bodies: string[];
    temporalPid?: number | undefined;
  },
): Promise<BareStarts> {
  let nextStart = 0;
  const temporalCpu = cpuSeconds(options.temporalPid);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (nextStart < options.count) {
        const i = nextStart++;
        await client.workflow.start('eventWorkflow', {
          taskQueue: options.taskQueue,
          workflowId: `baseline:${options.taskQueue}:${i}`,
          args: [{ payload: options.bodies[i % options.bodies.length]! }],
        });
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    perSec: options.count / seconds,
    temporalServerCpuPct: percentOfOneCore(cpuSeconds(options.temporalPid) - temporalCpu, seconds),
  };
}

/**
 * The spillover ratio's baseline when the ingress phase does not run (`--only spillover`), measured as
 * that phase measures it: bare starts, same count and concurrency, after a few hundred to warm the
 * fresh server (as the ingress phase's direct load has by then).
 */
export const bareStartsPhase: Phase = {
  name: 'bare-starts',
  async run({ stack, options, findings, log }) {
    const client = await stack.client();
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    const bodies = signedRequests('bench-baseline', secret, 300, 'baseline').requests.map((r) => r.body);
    const concurrency = options.sizes.concurrency;
    await bareStarts(client, { count: 300, concurrency, taskQueue: `bench-warm-${Date.now().toString(36)}`, bodies });
    log('spillover: bare Temporal starts (baseline)…');
    const baseline = await bareStarts(client, {
      count: options.sizes.ingress,
      concurrency,
      taskQueue: `bench-baseline-${Date.now().toString(36)}`,
      bodies,
      temporalPid: stack.infra.temporalPid,
    });
    log(`spillover: bare Temporal starts ${Math.round(baseline.perSec)}/s`);
    findings.bareStarts = baseline;
    return undefined;
  },
};

/**
 * The bare Temporal delivery shapes the e2e phase compares with: as many deliveries as Hookflow's e2e
 * makes (its duplicates deliver nothing), to the same kind of subscribers.
 */
export const bareDeliveriesPhase: Phase = {
  name: 'bare-deliveries',
  async run({ stack, options, findings, log }) {
    const events = uniqueOf(options.sizes.e2e);
    log(`e2e baselines: bare Temporal deliveries, ${events} events × 2 subscribers…`);
    findings.deliveryBaselines = await runDeliveryBaselines({
      client: await stack.client(),
      temporalAddress: stack.infra.temporalAddress,
      temporalPid: stack.infra.temporalPid,
      events,
      concurrency: options.sizes.concurrency,
      log,
      track: stack.track,
    });
    return undefined;
  },
};
