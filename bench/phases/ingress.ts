// The ingress phase of `npm run bench`: the direct path alone, against bare Temporal starts, then an
// open-loop load, then a no-op Hono route on the same server adapter (the HTTP-only baseline).
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { freePort } from '../../src/dev/free-port.js';
import { cpuUsed, percentOfOneCore, readCpu } from '../runner/cpu.js';
import { runHttpLoad, type LoadRequest, type LoadResult } from '../runner/http-load.js';
import { sampleRss } from '../runner/memory.js';
import type { OpenLoopResult } from '../runner/open-loop-load.js';
import type { BareStarts, Phase, PhaseContext } from '../runner/phase.js';
import { signedRequests } from '../runner/signed-requests.js';
import { bareStarts } from './bare.js';
import { describeOpenLoop, measureOpenLoop } from './open-loop.js';

type IngressCpu = { apiPct: number; temporalServerPct: number; loadGeneratorPct: number };

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The measured load through the API, and the CPU it cost (percent of one core over the load's duration). */
async function measureDirect(
  { stack, options, log }: PhaseContext,
  api: ChildProcess,
  requests: LoadRequest[],
): Promise<{ load: LoadResult; cpu: IngressCpu }> {
  log('ingress: hookflow…');
  const pids = { api: api.pid, temporal: stack.infra.temporalPid };
  const before = readCpu(pids);
  const load = await runHttpLoad(stack.baseUrl, requests, options.sizes.concurrency);
  const used = cpuUsed(before, readCpu(pids));
  const pct = (seconds: number) => percentOfOneCore(seconds, load.seconds);
  return {
    load,
    cpu: {
      apiPct: pct(used.processes.api),
      temporalServerPct: pct(used.processes.temporal),
      loadGeneratorPct: pct(used.bench),
    },
  };
}

/** The same requests to bench/noop-server.ts: what HTTP alone costs on this machine. */
async function measureNoopRoute({ stack, options, log }: PhaseContext, requests: LoadRequest[]): Promise<LoadResult> {
  log('ingress: no-op Hono route…');
  const port = await freePort();
  const noop = await stack.spawn('bench/noop-server.ts', { ...process.env, PORT: String(port) }, 'listening');
  const load = await runHttpLoad(
    `http://127.0.0.1:${port}`,
    requests.map((r, i) => ({ ...r, path: `/noop/${i}` })),
    options.sizes.concurrency,
  );
  noop.kill('SIGTERM');
  return load;
}

function ingressResult(
  ctx: PhaseContext,
  direct: { load: LoadResult; cpu: IngressCpu },
  baseline: BareStarts,
  noop: LoadResult,
  openLoop: OpenLoopResult,
) {
  const { load } = direct;
  return {
    requests: load.requests,
    concurrency: ctx.options.sizes.concurrency,
    acceptedPerSec: Math.round(load.perSecond),
    p50Ms: load.p50Ms,
    p95Ms: load.p95Ms,
    p99Ms: load.p99Ms,
    maxMs: load.maxMs,
    statuses: load.statuses,
    duplicatesAnswered: load.answers.filter((a) => a.status === 200 && a.body.includes('"duplicate":true')).length,
    // Answered from the outbox because the start took longer than INGRESS_SPILLOVER_AFTER (250 ms default).
    spilled: load.answers.filter((a) => a.status === 202 && a.body.includes('"spilled":true')).length,
    errors: load.errors,
    baselineTemporalStartsPerSec: Math.round(baseline.perSec),
    baselineHttpPerSec: Math.round(noop.perSecond),
    baselineHttpP95Ms: noop.p95Ms,
    overheadRatio: round2(load.perSecond / baseline.perSec),
    cpuPercentOfOneCore: direct.cpu,
    baselineTemporalServerCpuPct: baseline.temporalServerCpuPct,
    openLoop,
  };
}

/** The `[bench]` line for its result. */
function describeIngress(r: ReturnType<typeof ingressResult>): string {
  return `ingress: ${r.acceptedPerSec}/s, p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, p99 ${r.p99Ms} ms; bare Temporal starts ${r.baselineTemporalStartsPerSec}/s, no-op HTTP ${r.baselineHttpPerSec}/s; overheadRatio ${r.overheadRatio}; CPU % of one core ${JSON.stringify(r.cpuPercentOfOneCore)}, baseline temporal ${r.baselineTemporalServerCpuPct}%`;
}

/**
 * Its API sends its workflows to a task queue no worker polls, exactly like the bare-start baseline,
 * so both pay for the same Temporal work. Leaves the bare-start baseline and the direct path's
 * figures for the spillover phase, and its API's peak RSS for e2e.
 */
export const ingressPhase: Phase = {
  name: 'ingress',
  async run(ctx) {
    const { stack, options, findings, log } = ctx;
    const api = await stack.spawn(
      'dist/workers/api.js',
      { ...stack.env, LOG_LEVEL: 'info', TEMPORAL_TASK_QUEUE: `bench-unpolled-${Date.now().toString(36)}` },
      '"api_listening"',
    );
    const apiRss = sampleRss(api.pid!);
    const secret = `whsec_${randomBytes(24).toString('base64')}`;
    await stack.api.post('/v1/sources', { id: 'bench-ingress', scheme: 'standard-webhooks', secret });
    const warm = signedRequests('bench-ingress', secret, 300, 'warm');
    await runHttpLoad(stack.baseUrl, warm.requests, options.sizes.concurrency);
    const { requests } = signedRequests('bench-ingress', secret, options.sizes.ingress, 'ingress');
    const direct = await measureDirect(ctx, api, requests);
    log('ingress: bare Temporal starts…');
    const baseline = await bareStarts(await stack.client(), {
      count: options.sizes.ingress,
      concurrency: options.sizes.concurrency,
      taskQueue: `bench-baseline-${Date.now().toString(36)}`,
      bodies: requests.map((r) => r.body),
      temporalPid: stack.infra.temporalPid,
    });
    const openLoop = await measureOpenLoop(ctx, secret, baseline.perSec);
    const noop = await measureNoopRoute(ctx, requests);
    api.kill('SIGTERM');
    await new Promise((resolve) => api.once('exit', resolve));
    findings.bareStarts = baseline;
    findings.ingressApiPeakRssMb = apiRss.stop();
    findings.directIngress = {
      acceptedPerSec: Math.round(direct.load.perSecond),
      p95Ms: direct.load.p95Ms,
      apiCpuMsPerRequest: round2((direct.cpu.apiPct * 10) / direct.load.perSecond),
    };
    const result = ingressResult(ctx, direct, baseline, noop, openLoop);
    return { result, lines: [describeIngress(result), describeOpenLoop(openLoop)] };
  },
};
