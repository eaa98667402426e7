import { join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './embedded-postgres.js';
import { migrateDatabaseAt } from '../db/migrate.js';
import { portInUse } from './free-port.js';
import { provisionTemporalCli } from './temporal-cli.js';
import { startDevServer, type DevServer } from './temporal-dev-server.js';

export interface Infrastructure {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl?: string | undefined;
  /** The CLI binary used (when one was), for `temporal workflow …` commands. */
  temporalCliPath?: string | undefined;
  /** Pid of the dev server this process started (for resource measurements). */
  temporalPid?: number | undefined;
  stop(): Promise<void>;
}

export interface InfrastructureOptions {
  temporalPort: number;
  temporalUiPort?: number;
  /** SQLite file for Temporal; omit for in-memory. */
  temporalDbFile?: string;
  /** File the Temporal dev server's log (stderr, `warn` and up) is appended to. */
  temporalLogFile?: string;
  postgresDir: string;
  database: string;
  log: (line: string) => void;
  /** Told when the Temporal dev server started here exits on its own. */
  onTemporalExit?: (reason: string) => void;
  /** Gives the start up: what it had started is stopped and it rejects (between stages, or while Temporal comes up). */
  signal?: AbortSignal;
}

/**
 * Provisions what the config does not point at: a Temporal dev server (CLI found or built first)
 * and an embedded PostgreSQL, then migrates. Used by `npm start` and by the test suite alike.
 */
export async function startInfrastructure(config: Config, options: InfrastructureOptions): Promise<Infrastructure> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  const checkpoint = () => options.signal?.throwIfAborted();
  try {
    checkpoint();
    let temporalAddress = config.TEMPORAL_ADDRESS;
    let temporalUiUrl: string | undefined;
    let temporalCliPath: string | undefined;
    let temporalPid: number | undefined;
    if (!temporalAddress) {
      for (const port of [options.temporalPort, options.temporalUiPort].filter((p): p is number => !!p)) {
        if (await portInUse(port))
          throw new Error(
            `Port ${port} is already in use: stop whatever listens there (another \`npm start\`?) or set TEMPORAL_ADDRESS to use that server (DEV_TEMPORAL_PORT / DEV_TEMPORAL_UI_PORT to run one elsewhere).`,
          );
      }
      const cli = await provisionTemporalCli({
        dataDir: config.DATA_DIR,
        cliPath: config.TEMPORAL_CLI_PATH,
        log: options.log,
        signal: options.signal,
      });
      checkpoint();
      if (cli.kind === 'binary') temporalCliPath = cli.path;
      options.log(
        cli.kind === 'binary'
          ? `Temporal CLI: ${cli.path} (${cli.origin})`
          : 'Temporal CLI: downloading through the Temporal SDK',
      );
      const server: DevServer = await startDevServer({
        cli,
        port: options.temporalPort,
        ...(options.temporalUiPort ? { uiPort: options.temporalUiPort } : {}),
        ...(options.temporalDbFile ? { dbFilename: resolve(options.temporalDbFile) } : {}),
        ...(options.temporalLogFile ? { logFile: resolve(options.temporalLogFile) } : {}),
        namespace: config.TEMPORAL_NAMESPACE,
        onUnexpectedExit: (reason) => (options.onTemporalExit ?? options.log)(`Temporal dev server ${reason}`),
        signal: options.signal,
      });
      stops.push(() => server.stop());
      checkpoint();
      options.log(
        `Temporal dev server listening on ${server.address}${server.uiUrl ? ` (Web UI ${server.uiUrl})` : ''}`,
      );
      temporalAddress = server.address;
      temporalUiUrl = server.uiUrl;
      temporalPid = server.pid;
    }
    let databaseUrl = config.DATABASE_URL;
    if (!databaseUrl) {
      const pg: EmbeddedDatabase = await startEmbeddedPostgres(options.postgresDir, options.database).catch(
        (error: unknown) => {
          throw new Error(`Embedded PostgreSQL in ${resolve(options.postgresDir)} did not start`, { cause: error });
        },
      );
      stops.push(() => pg.stop());
      checkpoint();
      databaseUrl = pg.url;
    }
    await migrateDatabaseAt(databaseUrl);
    return { databaseUrl, temporalAddress, temporalUiUrl, temporalCliPath, temporalPid, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Default locations of the dev stack's data. */
export function devDataPaths(config: Config) {
  return { temporalDbFile: join(config.DATA_DIR, 'temporal.db'), postgresDir: join(config.DATA_DIR, 'postgres') };
}
