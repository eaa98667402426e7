import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { WorkflowStarter } from '../temporal/workflow-client.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logging.js';

/** What management operations are built from: the database, Temporal, config and a logger. */
export interface OperatorDeps {
  db: Database;
  /** Reads and Updates (dead-letter decisions). */
  temporal: Client;
  /** Every workflow start. */
  starter: WorkflowStarter;
  config: Config;
  logger: Logger;
}
