// The spillover phase of `npm run bench`: a second API with `INGRESS_SPILLOVER_AFTER=0` answers every
// verified webhook from PostgreSQL's ingress outbox (202 `spilled: true`) without waiting for Temporal;
// the worker's outbox relay starts the workflows. Measures accepted/s and latency at the API, how fast
// the relay empties the outbox, and that every accepted event ran (and was delivered) exactly once.
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import postgres from 'postgres';
import { stopChild } from '../../src/dev/child-processes.js';
import { freePort } from '../../src/dev/free-port.js';
import { managementApi } from '../runner/management-api.js';
import { required, type Phase, type PhaseContext } from '../runner/phase.js';
import { startSubscriber } from '../runner/subscriber.js';
import { spilloverResult } from './spillover/measurements.js';
import { probeSpillStatement } from './spillover/outbox-probe.js';
import { watchOutbox } from './spillover/outbox.js';
import { describeSpillover, type SpilloverPhaseResult } from './spillover/result.js';
import { checkIntegrity, measureDrain, measureLoad, warmUp, type SpilloverRun } from './spillover/steps.js';

/** Spawns a worker (its outbox relay included) and a second API with `INGRESS_SPILLOVER_AFTER=0` on the stack. */
async function startSpillingProcesses({ stack, options }: PhaseContext) {
  const port = await freePort();
  const worker = await stack.spawn('dist/workers/worker.js', { ...stack.env, LOG_LEVEL: 'info' }, '"worker_started"');
  const api = await stack.spawn(
    'dist/workers/api.js',
    { ...stack.env, LOG_LEVEL: 'info', PORT: String(port), INGRESS_SPILLOVER_AFTER: '0' },
    '"api_listening"',
    options.profileApiDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileApiDir}`] : [],
  );
  const logDir = options.spilloverLogDir;
  if (logDir) {
    mkdirSync(logDir, { recursive: true });
    worker.stdout!.pipe(createWriteStream(`${logDir}/spillover-worker.log`));
    api.stdout!.pipe(createWriteStream(`${logDir}/spillover-api.log`));
  }
  return { worker, api, baseUrl: `http://127.0.0.1:${port}` };
}

/** The measured run, from creating its source to the integrity checks (the processes are already up). */
async function measure(run: SpilloverRun): Promise<SpilloverPhaseResult> {
  const { ctx } = run;
  const sourceId = `bench-spill-${run.tag}`;
  await run.api.post('/v1/sources', { id: sourceId, scheme: 'standard-webhooks', secret: run.secret });
  await run.api.post('/v1/subscriptions', { url: run.subscriber.url, eventTypes: ['*'], sourceIds: [sourceId] });
  const settings = await run.sql<{ fsync: string; synchronous_commit: string }[]>`
    select current_setting('fsync') as fsync, current_setting('synchronous_commit') as synchronous_commit`;
  await warmUp(run);
  // The statement's ceiling on this server now, at the API's pool size and the load's concurrency.
  const poolSize = Number(ctx.stack.env.DATABASE_POOL_SIZE ?? 10);
  const { sizes } = ctx.options;
  const probe = await probeSpillStatement(
    ctx.stack.infra.databaseUrl,
    { requests: sizes.ingress, concurrency: sizes.concurrency, poolSize, tag: run.tag },
    ctx.log,
  );
  await new Promise((r) => setTimeout(r, 1_000));
  const load = await measureLoad(run, sourceId);
  const drain = await measureDrain(run, load);
  return spilloverResult({
    requests: sizes.ingress,
    concurrency: sizes.concurrency,
    baselineTemporalStartsPerSec: run.baselineTemporalStartsPerSec,
    direct: ctx.findings.directIngress ?? null,
    load,
    drain,
    integrity: await checkIntegrity(run, sourceId, load),
    postgres: {
      fsync: settings[0]!.fsync,
      synchronousCommit: settings[0]!.synchronous_commit,
      apiPoolSize: poolSize,
      outboxInsertsPerSec: Math.round(probe.withNotifyPerSec),
      outboxInsertsWithoutNotifyPerSec: Math.round(probe.withoutNotifyPerSec),
    },
  });
}

/**
 * Spawns the spilling API and its worker, warms both, sends `--requests` distinct signed webhooks while
 * polling the outbox depth, then waits for the outbox to empty and every delivery to arrive. Both
 * processes are stopped before it returns.
 */
export const spilloverPhase: Phase = {
  name: 'spillover',
  async run(ctx) {
    const bareStarts = required(ctx, 'bareStarts', 'spillover');
    const { worker, api, baseUrl } = await startSpillingProcesses(ctx);
    const subscriber = await startSubscriber(false);
    const sql = postgres(ctx.stack.infra.databaseUrl, { max: 1, onnotice: () => {} });
    // This phase's rows only (see watchOutbox).
    const taskQueue = ctx.stack.env.TEMPORAL_TASK_QUEUE ?? 'hookflow';
    try {
      const result = await measure({
        ctx,
        baseUrl,
        pids: { api: api.pid, worker: worker.pid, temporal: ctx.stack.infra.temporalPid },
        api: managementApi(baseUrl, ctx.stack.managementKey),
        client: await ctx.stack.client(),
        subscriber,
        sql,
        outbox: watchOutbox(sql, taskQueue),
        tag: Date.now().toString(36),
        secret: `whsec_${randomBytes(24).toString('base64')}`,
        baselineTemporalStartsPerSec: bareStarts.perSec,
      });
      return {
        result: { ...result, baselineTemporalServerCpuPct: bareStarts.temporalServerCpuPct },
        lines: [describeSpillover(result)],
      };
    } finally {
      subscriber.close();
      await sql.end({ timeout: 5 });
      await Promise.all([stopChild(api, 30_000), stopChild(worker, 30_000)]);
    }
  },
};
