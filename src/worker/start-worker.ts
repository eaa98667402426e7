import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities/index.js';
import type { Config } from '../config.js';
import { closeDatabase, openDatabase } from '../db/client.js';
import type { Logger } from '../logging.js';
import { installTemporalRuntime } from './temporal-runtime.js';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped (after `stop`, or on a fatal error). */
  done: Promise<void>;
  /** Stops polling, lets in-flight activities finish within the drain timeout, closes connections. */
  stop(): Promise<void>;
}

// Under tsx this module is TypeScript source; built, it is dist JavaScript. The bundler takes either.
const sourceExtension = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
export const workflowsPath = fileURLToPath(new URL(`../workflows/index.${sourceExtension}`, import.meta.url));

/** Builds and runs the Temporal worker (workflows + activities) on the configured task queue. */
export async function startWorker(config: Config, logger: Logger, bundle?: WorkflowBundleOption): Promise<RunningWorker> {
  installTemporalRuntime(logger);
  const db = openDatabase(config.DATABASE_URL!, config.DATABASE_POOL_SIZE);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    ...(bundle ? { workflowBundle: bundle } : { workflowsPath }),
    activities: createActivities({ config, db, logger }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    shutdownGraceTime: config.SHUTDOWN_DRAIN_TIMEOUT,
  });
  const done = worker.run().finally(async () => {
    await Promise.allSettled([closeDatabase(db), connection.close()]);
  });
  logger.info({ event: 'worker_started', taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
