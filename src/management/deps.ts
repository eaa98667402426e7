import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logging.js';

/** What management operations are built from: the database, Temporal, config and a logger. */
export interface OperatorDeps {
  db: Database;
  temporal: Client;
  config: Config;
  logger: Logger;
}
