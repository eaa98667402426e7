import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';
import { closeDatabase, openDatabase } from '../db/client.js';
import { RateLimiter } from '../ingress/rate-limiter.js';
import { SourceCache } from '../ingress/source-cache.js';
import { clientConnectionOptions } from '../temporal/client-connection.js';
import { WorkflowStarter } from '../temporal/workflow-client.js';
import type { Logger } from '../logging.js';
import { buildApp } from './app.js';
import { createApiMetrics } from '../metrics/api-metrics.js';
import { startTracing } from '../tracing.js';
import { answerClientErrorsWithProblems } from './client-errors.js';

export interface RunningApi {
  url: string;
  port: number;
  server: ServerType;
  /** Stops accepting connections, waits for in-flight requests, then closes Postgres and Temporal. */
  stop(): Promise<void>;
}

/** Wires the API's dependencies from config and listens on `config.PORT` (0 = any free port). */
export async function startApi(
  config: Config,
  logger: Logger,
  managementApiKey: string,
  hostname = '0.0.0.0',
): Promise<RunningApi> {
  const db = openDatabase(config.DATABASE_URL!, config.DATABASE_POOL_SIZE);
  // Lazy: the API starts (and answers 503 at ingress, readyz says why) while Temporal is still down.
  const connection = Connection.lazy(clientConnectionOptions(config));
  const tracing = startTracing(config, 'hookflow-api');
  const temporal = new Client({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    plugins: tracing ? [tracing.plugin] : [],
  });
  const draining = { active: false };
  const app = buildApp(
    {
      config,
      db,
      temporal,
      starter: new WorkflowStarter(temporal, config),
      logger,
      managementApiKey,
      sources: new SourceCache(db, config.SOURCE_CACHE_TTL),
      rateLimiter: new RateLimiter(),
      metrics: createApiMetrics(db),
    },
    draining,
  );
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.PORT, hostname }, () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(`API port ${config.PORT} is already in use: stop whatever listens there or set PORT.`)
          : error,
      ),
    );
  });
  answerClientErrorsWithProblems(server as import('node:http').Server);
  const { port } = server.address() as AddressInfo;
  const url = `http://${hostname === '0.0.0.0' ? '127.0.0.1' : hostname}:${port}`;
  logger.info({ event: 'api_listening', url }, 'API listening');
  return {
    url,
    port,
    server,
    async stop() {
      draining.active = true;
      const http = server as import('node:http').Server;
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        // Keep-alive sockets between requests would hold close() open forever; in-flight requests
        // still finish, and their responses carry `connection: close`. Past the drain timeout, cut.
        const idle = setInterval(() => http.closeIdleConnections(), 50);
        const cut = setTimeout(() => http.closeAllConnections(), config.SHUTDOWN_DRAIN_TIMEOUT);
        http.once('close', () => {
          clearInterval(idle);
          clearTimeout(cut);
        });
        http.closeIdleConnections();
      });
      await Promise.allSettled([closeDatabase(db), connection.close(), tracing?.shutdown()]);
    },
  };
}
