import type { Config } from '../config.js';
import type { WorkflowStarter } from '../temporal/workflow-client.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logging.js';
import type { WorkerMetrics } from '../metrics/worker-metrics.js';

/** What activities are built from: all of their I/O goes through these. */
export interface ActivityDependencies {
  config: Config;
  db: Database;
  logger: Logger;
  metrics?: WorkerMetrics | undefined;
  /** For activities that start workflows (operational events, dispatcher admission). */
  starter?: WorkflowStarter | undefined;
}
