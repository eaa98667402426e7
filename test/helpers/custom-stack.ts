import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { inject } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { closeDatabase, openDatabase } from '../../src/db/client.js';
import { startApi } from '../../src/http/server.js';
import { createLogger } from '../../src/logging.js';
import { startWorker } from '../../src/worker/start-worker.js';
import { uniqueId, type TestStack } from './stack.js';

export interface CustomStackOptions {
  /** Temporal frontend to use instead of the suite's (e.g. a dev server the test stops and restarts). */
  temporalAddress?: string;
  /** PostgreSQL database to use instead of the suite's (e.g. an embedded cluster the test stops). */
  databaseUrl?: string;
  /** Config overrides, as for `startTestStack`. */
  env?: Record<string, string>;
  /** Start the in-process worker (default true). */
  worker?: boolean;
}

/**
 * `startTestStack` against infrastructure a test owns: a real API and a real worker in this process,
 * on a task queue of their own, pointed at the given Temporal address and/or database.
 */
export async function startCustomStack(options: CustomStackOptions = {}): Promise<TestStack> {
  const env = options.env ?? {};
  const managementKey = `test-key-${randomBytes(12).toString('hex')}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    ALLOW_PRIVATE_TARGETS: 'true',
    DATABASE_POOL_SIZE: '5',
    SOURCE_CACHE_TTL: '200ms',
    ...env,
    DATABASE_URL: options.databaseUrl ?? inject('databaseUrl'),
    TEMPORAL_ADDRESS: options.temporalAddress ?? inject('temporalAddress'),
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE ?? uniqueId('hookflow-test'),
    MANAGEMENT_API_KEY: managementKey,
  });
  const logger = createLogger('test', config.LOG_LEVEL);
  const bundle = { code: readFileSync(inject('workflowBundlePath'), 'utf8') };
  // As in startTestStack: no maintenance schedules, no metrics port (several workers share this process).
  const launchWorker = () => startWorker(config, logger.child({ process: 'worker' }), bundle, { metricsPort: 0, schedules: false });
  const worker = options.worker === false ? undefined : await launchWorker();
  const api = await startApi(config, logger.child({ process: 'api' }), managementKey, '127.0.0.1');
  const db = openDatabase(config.DATABASE_URL!, 3);
  // Lazy, like the API's: the test's own client must survive the infrastructure going away.
  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS! });
  const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
  const stack: TestStack = {
    config, api, url: api.url, managementKey, db, temporal, worker,
    async startWorker() {
      stack.worker = await launchWorker();
      return stack.worker;
    },
    async stop() {
      await Promise.allSettled([api.stop(), stack.worker?.stop(), closeDatabase(db), connection.close()]);
    },
  };
  return stack;
}
