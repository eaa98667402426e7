// A Temporal cluster on one machine without containers (`npm run cluster`): the Temporal server on
// PostgreSQL (persistence and SQL visibility, schemas applied with temporal-sql-tool), its Web UI,
// the namespace with its retention and Hookflow's search attributes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { registerSearchAttributes } from '../temporal/register-search-attributes.js';
import { stopChild } from './child-processes.js';
import type { Restartable } from './restart-on-exit.js';
import { provisionGoTool, temporalServerTool, temporalSqlTool, temporalUiServerTool } from './go-tools.js';
import {
  renderTemporalServerConfig,
  renderUiServerConfig,
  TEMPORAL_DATABASES,
  type TemporalClusterPorts,
  type TemporalPostgres,
} from './temporal-cluster-config.js';

/** The compose file's dynamic config, used as it is. */
const DYNAMIC_CONFIG = fileURLToPath(new URL('../../deploy/temporal/dynamicconfig.yaml', import.meta.url));
const READY_WITHIN_MS = 120_000;

export interface TemporalClusterOptions {
  /** DATA_DIR: the Go binaries are cached in its `bin/`. */
  dataDir: string;
  /** Where the server's config and logs go (default `<dataDir>/cluster`). */
  clusterDir?: string;
  postgres: TemporalPostgres;
  ports: TemporalClusterPorts & { ui: number };
  namespace: string;
  /** Namespace retention in days (the compose file's TEMPORAL_NAMESPACE_RETENTION is 168h). */
  retentionDays: number;
  log: (line: string) => void;
}

export interface TemporalCluster {
  address: string;
  uiUrl: string;
  /** Pid of the server process now (for measurements and fault injection; a restart changes it). */
  readonly serverPid: number | undefined;
  logFile: string;
  /** The server process, to be restarted when it dies (`restartOnExit`). */
  server: Restartable;
  stop(): Promise<void>;
}

/** Runs temporal-sql-tool against PostgreSQL; rejects with its output when it fails. */
function sqlTool(binary: string, pg: TemporalPostgres, database: string, args: string[]): Promise<string> {
  const argv = [
    '--plugin',
    'postgres12',
    '--ep',
    pg.host,
    '-p',
    String(pg.port),
    '-u',
    pg.user,
    '--db',
    database,
    ...args,
  ];
  return new Promise((done, fail) => {
    const child = spawn(binary, argv, { env: { ...process.env, SQL_PASSWORD: pg.password } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) =>
      code === 0 ? done(output) : fail(new Error(`temporal-sql-tool ${args[0]} on ${database} failed:\n${output}`)),
    );
  });
}

/**
 * Creates Temporal's two databases when missing and brings their schemas to the server's version
 * (the embedded versioned schemas of temporal-sql-tool): what the compose file's temporal-schema job does.
 */
export async function applyTemporalSchemas(binary: string, pg: TemporalPostgres): Promise<void> {
  for (const [database, schema] of [
    [TEMPORAL_DATABASES.persistence, 'postgresql/v12/temporal'],
    [TEMPORAL_DATABASES.visibility, 'postgresql/v12/visibility'],
  ] as const) {
    // Both idempotent in effect: an existing database or schema version table is an error we expect.
    await sqlTool(binary, pg, database, ['create-database']).catch((error: Error) => {
      if (!/already exists/.test(error.message)) throw error;
    });
    await sqlTool(binary, pg, database, ['setup-schema', '-v', '0.0']).catch((error: Error) => {
      if (!/already exists/.test(error.message)) throw error;
    });
    await sqlTool(binary, pg, database, ['update-schema', '--schema-name', schema]);
  }
}

/** Waits until the frontend answers, the server process still running; the log's tail in the error otherwise. */
async function waitForFrontend(address: string, server: ChildProcess, logFile: string): Promise<Connection> {
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    if (server.exitCode !== null || server.signalCode !== null)
      throw new Error(
        `the Temporal server exited during its start (${server.exitCode ?? server.signalCode}); see ${logFile}`,
      );
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      await connection.workflowService.getSystemInfo({});
      return connection;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `the Temporal frontend ${address} did not answer within ${READY_WITHIN_MS / 1000} s (${(error as Error).message}); see ${logFile}`,
          { cause: error },
        );
      await sleep(1_000);
    }
  }
}

/** Registers the namespace with its retention unless it exists (gRPC ALREADY_EXISTS is fine). */
async function ensureNamespace(connection: Connection, namespace: string, retentionDays: number): Promise<void> {
  try {
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs(`${retentionDays}d`),
    });
  } catch (error) {
    if ((error as { code?: number }).code !== 6) throw error;
  }
}

/** Retries the search-attribute registration while the new namespace settles (visibility takes a moment). */
async function registerWhenReady(connection: Connection, namespace: string): Promise<string[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await registerSearchAttributes(connection, namespace);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}

/** Registers the namespace (with its retention) and Hookflow's search attributes, then closes `connection`. */
async function prepareNamespace(connection: Connection, options: TemporalClusterOptions): Promise<void> {
  try {
    await ensureNamespace(connection, options.namespace, options.retentionDays);
    const added = await registerWhenReady(connection, options.namespace);
    options.log(
      `namespace ${options.namespace}: ${added.length ? `registered ${added.join(', ')}` : 'search attributes present'}`,
    );
  } finally {
    await connection.close();
  }
}

/** Spawns a Go server with its output appended to `logFile`. */
function spawnLogged(binary: string, args: string[], logFile: string): ChildProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

/** Starts the cluster; what it started is stopped again when a later step fails. */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<TemporalCluster> {
  const { log, ports } = options;
  const dir = resolve(options.clusterDir ?? join(options.dataDir, 'cluster'));
  mkdirSync(join(dir, 'ui'), { recursive: true });
  const serverBinary = await provisionGoTool(temporalServerTool, options.dataDir, log);
  const sqlBinary = await provisionGoTool(temporalSqlTool, options.dataDir, log);
  const uiBinary = await provisionGoTool(temporalUiServerTool, options.dataDir, log);

  log('applying the Temporal schemas (temporal, temporal_visibility)…');
  await applyTemporalSchemas(sqlBinary, options.postgres);

  const configFile = join(dir, 'temporal-server.yaml');
  writeFileSync(
    configFile,
    renderTemporalServerConfig({ postgres: options.postgres, ports, dynamicConfigFile: DYNAMIC_CONFIG }),
  );
  const logFile = join(dir, 'temporal-server.log');
  const address = `127.0.0.1:${ports.frontend}`;
  const startServer = () =>
    spawnLogged(serverBinary, ['--config-file', configFile, '--allow-no-auth', 'start'], logFile);
  let server: ChildProcess | undefined;
  let ui: ChildProcess | undefined;
  const stop = async () => {
    if (ui) await stopChild(ui, 15_000);
    if (server) await stopChild(server, 15_000);
  };
  try {
    log(`starting the Temporal server (frontend ${address}, log ${logFile})…`);
    server = startServer();
    await prepareNamespace(await waitForFrontend(address, server, logFile), options);
    writeFileSync(
      join(dir, 'ui', 'development.yaml'),
      renderUiServerConfig({ frontend: address, port: ports.ui, namespace: options.namespace }),
    );
    ui = spawnLogged(
      uiBinary,
      ['--root', dir, '--config', 'ui', '--env', 'development', 'start'],
      join(dir, 'temporal-ui.log'),
    );
    return {
      address,
      uiUrl: `http://127.0.0.1:${ports.ui}`,
      get serverPid() {
        return server?.pid;
      },
      logFile,
      server: {
        name: 'the Temporal server',
        running: () => server !== undefined && server.exitCode === null && server.signalCode === null,
        restart: async () => {
          server = startServer();
          await (await waitForFrontend(address, server, logFile)).close();
        },
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
