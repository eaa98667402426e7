import type { Server } from 'node:http';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import type { Config } from '../config.js';
import { closeDatabase, openDatabase } from '../db/client.js';
import type { Logger } from '../logging.js';
import { clientConnectionOptions } from '../temporal/client-connection.js';
import { temporalConnectionOptions } from '../temporal/connection-options.js';
import { WorkflowStarter } from '../temporal/workflow-client.js';
import { startOutboxRelay } from './outbox-relay.js';
import { installTemporalRuntime } from './temporal-runtime.js';
import { workflowCode, workflowsPath } from './workflow-bundle.js';
import { ensureMaintenanceSchedules } from './maintenance-schedules.js';
import { createWorkerMetrics, serveWorkerMetrics } from '../metrics/worker-metrics.js';
import { startTracing } from '../tracing.js';

export interface RunningWorker {
  worker: Worker;
  /** Resolves when the worker has stopped (after `stop`, or on a fatal error). */
  done: Promise<void>;
  /** Stops polling, lets in-flight activities finish within the drain timeout, closes connections. */
  stop(): Promise<void>;
}

export { workflowsPath } from './workflow-bundle.js';

/** Builds and runs the Temporal worker (workflows + activities) on the configured task queue. */
export async function startWorker(
  config: Config,
  logger: Logger,
  bundle?: WorkflowBundleOption,
  options: { metricsPort?: number; schedules?: boolean; relay?: boolean } = {},
): Promise<RunningWorker> {
  installTemporalRuntime(logger);
  const tracing = startTracing(config, 'hookflow-worker');
  const db = openDatabase(config.DATABASE_URL!, config.DATABASE_POOL_SIZE);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  // A client too: activities start operational-event workflows, and the schedules are created here.
  const clientConnection = await Connection.connect(clientConnectionOptions(config));
  const temporal = new Client({
    connection: clientConnection,
    namespace: config.TEMPORAL_NAMESPACE,
    plugins: tracing ? [tracing.plugin] : [],
  });
  if (options.schedules !== false) await ensureMaintenanceSchedules(temporal, config, logger);
  const starter = new WorkflowStarter(temporal, config);
  const metrics = createWorkerMetrics();
  const metricsPort = options.metricsPort ?? config.WORKER_METRICS_PORT;
  const metricsServer: Server | undefined = metricsPort ? await serveWorkerMetrics(metrics, metricsPort) : undefined;
  const worker = await Worker.create({
    plugins: tracing ? [tracing.plugin] : [],
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    // With tracing the bundle must include the OpenTelemetry workflow interceptors: build it at start.
    ...(tracing && !bundle ? { workflowsPath } : workflowCode(bundle, config.WORKFLOW_BUNDLE_PATH)),
    activities: createActivities({ config, db, logger, metrics, starter }),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    // The SDK sizes the sticky cache from the machine's memory (thousands of workflows on a large
    // host), and every cached event workflow keeps its state until evicted. An event workflow is
    // active for seconds; 500 covers the ones in flight at a few hundred events/s, while evicted
    // ones (waiting on a dead letter or a long retry) are replayed from history when they wake.
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: config.SHUTDOWN_DRAIN_TIMEOUT,
  });
  // Spilled webhooks (Temporal was slow or down at ingress) are started from here.
  const relay = options.relay === false ? undefined : await startOutboxRelay({ db, starter, config, logger });
  const done = worker.run().finally(async () => {
    await relay?.stop();
    metricsServer?.close();
    await Promise.allSettled([closeDatabase(db), connection.close(), clientConnection.close(), tracing?.shutdown()]);
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
