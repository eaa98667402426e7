import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { inject, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config.js';
import { closeDatabase, openDatabase, type Database } from '../../src/db/client.js';
import { startApi, type RunningApi } from '../../src/http/server.js';
import { createLogger } from '../../src/logging.js';
import { clientConnectionOptions } from '../../src/temporal/client-connection.js';
import { startWorker, type RunningWorker } from '../../src/worker-setup/start-worker.js';
import { assertTaskQueueReplays } from './history-replay.js';
import { LogTail } from './log-tail.js';

export interface TestStack {
  config: Config;
  api: RunningApi;
  /** Base URL of the API, e.g. http://127.0.0.1:41234 */
  url: string;
  managementKey: string;
  db: Database;
  temporal: Client;
  worker: RunningWorker | undefined;
  /**
   * Starts the worker again after a test stopped it; with `workflowBundleCode`, running another
   * workflow bundle (a deploy of changed workflow code). The stack's histories replay with the last one.
   */
  startWorker(workflowBundleCode?: string): Promise<RunningWorker>;
  /** The last lines its API and worker logged (`warn` and up; everything at TEST_LOG_LEVEL goes to stdout). */
  logTail: LogTail;
  stop(): Promise<void>;
}

/** Stacks started and not yet stopped in this test file: what failure-report.ts describes. */
export const liveStacks = new Set<TestStack>();

/** Replay failures found when stacks stopped: failure-report.ts fails the file with them. */
export const unreplayable: Error[] = [];

/** Whether this is the cache-less project's run (vitest.config.ts): its worker caches no workflow. */
export const cacheless = process.env.TEST_WORKER_MAX_CACHED_WORKFLOWS === '0';

/**
 * Skips a test in the cache-less project. Without a cache, SDK 1.24's core evicts a run whose local
 * activity is still running when another run's task needs the (empty) cache, and drops the result
 * ("local activities when using max_cached_workflows=0 are likely to be dropped or retried"): the
 * run stalls for a workflow-task timeout, again and again when many events run at once. Tests with
 * many concurrent event workflows therefore run only with the cache (docs/architecture.md).
 */
export const itWithCache = it.skipIf(cacheless);

/** Unique-per-call suffix so tests sharing one database and Temporal never collide. */
export const uniqueId = (prefix: string) => `${prefix}-${randomBytes(5).toString('hex')}`;

/**
 * Runs a real API and a real worker in this test process against the suite's Temporal dev server
 * and PostgreSQL database, on a task queue of their own. `env` overrides config (e.g. shrunken retries).
 */
export interface TestStackOptions {
  /** Start the in-process worker (default true). */
  worker?: boolean;
  /** Use the suite's prebuilt workflow bundle (default true); false bundles from source at start. */
  prebuiltBundle?: boolean;
  /** Temporal frontend to use instead of the suite's (e.g. a dev server the test stops and restarts). */
  temporalAddress?: string;
  /** PostgreSQL database to use instead of the suite's (e.g. an embedded cluster the test stops). */
  databaseUrl?: string;
}

export async function startTestStack(
  env: Record<string, string> = {},
  options: TestStackOptions = {},
): Promise<TestStack> {
  const managementKey = `test-key-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    PORT: '0',
    ALLOW_PRIVATE_TARGETS: 'true',
    DATABASE_POOL_SIZE: '5',
    SOURCE_CACHE_TTL: '200ms',
    // Tests of the direct path answer repeats deterministically (200): spill only when Temporal is
    // unavailable, not when a start is slow on a loaded machine (spillover.test.ts tests the threshold).
    INGRESS_SPILLOVER_AFTER: '10s',
    // Failing-endpoint tests are about retries and dead letters: the circuit breaker (on by default,
    // README "Pause and circuit breaker") is off unless a test or a subscription turns it on.
    CIRCUIT_BREAKER_FAILURE_THRESHOLD: '0',
    ...env,
    // The cache-less project (vitest.config.ts) replays every workflow task from the whole history.
    // Fewer local activities there (see itWithCache): lanes start with a regular activity.
    ...(cacheless ? { WORKER_MAX_CACHED_WORKFLOWS: '0', DELIVERY_FIRST_ATTEMPT_LOCAL: 'false' } : {}),
    DATABASE_URL: options.databaseUrl ?? inject('databaseUrl'),
    TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE ?? uniqueId('hookflow-test'),
    MANAGEMENT_API_KEY: managementKey,
  });
  const logTail = new LogTail();
  const logger = process.env.TEST_LOG_LEVEL
    ? createLogger('test', config.LOG_LEVEL)
    : createLogger('test', config.LOG_LEVEL, logTail);
  let bundleCode = readFileSync(inject('workflowBundlePath'), 'utf8');
  // Tests drive the maintenance workflows directly and share one Temporal: no schedules, no metrics port.
  const launchWorker = (bundle = options.prebuiltBundle === false ? undefined : { code: bundleCode }) =>
    startWorker(config, logger.child({ process: 'worker' }), bundle, { metricsPort: 0, schedules: false });
  const worker = options.worker === false ? undefined : await launchWorker();
  const api = await startApi(config, logger.child({ process: 'api' }), managementKey, '127.0.0.1');
  const db = openDatabase(config.DATABASE_URL!, 3);
  // Lazy, like the API's: the test's own client survives infrastructure a test stops and restarts.
  const connection = Connection.lazy(clientConnectionOptions(config));
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const stack: TestStack = {
    config,
    api,
    url: api.url,
    managementKey,
    db,
    temporal,
    worker,
    logTail,
    async startWorker(workflowBundleCode) {
      if (workflowBundleCode !== undefined) bundleCode = workflowBundleCode;
      stack.worker = await launchWorker(workflowBundleCode === undefined ? undefined : { code: workflowBundleCode });
      return stack.worker;
    },
    async stop() {
      liveStacks.delete(stack);
      try {
        // Every run of this stack's task queue replays with the current bundle (open runs up to where they are).
        await assertTaskQueueReplays(temporal, config.TEMPORAL_TASK_QUEUE, bundleCode);
      } catch (error) {
        // Reported by failure-report.ts after the file's own clean-up: thrown here, it would skip the
        // rest of the caller's afterAll (a test's own PostgreSQL or Temporal was left running).
        unreplayable.push(error as Error);
      } finally {
        await Promise.allSettled([api.stop(), stack.worker?.stop(), closeDatabase(db), connection.close()]);
      }
    },
  };
  liveStacks.add(stack);
  return stack;
}
