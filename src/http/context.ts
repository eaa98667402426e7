import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { WorkflowStarter } from '../temporal/workflow-client.js';
import type { Database } from '../db/client.js';
import type { Logger } from '../logging.js';
import type { SourceCache } from '../ingress/source-cache.js';
import type { RateLimiter } from '../ingress/rate-limiter.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';

/** Everything the HTTP layer needs, built once by the API process. */
export interface ApiDependencies {
  config: Config;
  db: Database;
  /** Reads and Updates (health, dead-letter decisions). */
  temporal: Client;
  /** Every workflow start. */
  starter: WorkflowStarter;
  logger: Logger;
  sources: Pick<SourceCache, 'get' | 'invalidate'>;
  rateLimiter: RateLimiter;
  managementApiKey: string;
  metrics: ApiMetrics;
}

/** Hono context variables set by middleware. */
export interface AppEnv {
  Variables: { traceId: string; logger: Logger };
}
