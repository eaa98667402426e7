// The stack `npm run bench` runs its phases on (loopback only): a Temporal dev server and an embedded
// PostgreSQL of its own (or BENCH_TEMPORAL_ADDRESS / BENCH_DATABASE_URL), Hookflow built to dist/, and
// every process and subscriber the phases start, all stopped together at the end.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config.js';
import { startInfrastructure, type Infrastructure } from '../../src/dev/dev-stack.js';
import { freePort } from '../../src/dev/free-port.js';
import { startClusterInfrastructure } from './cluster-infrastructure.js';
import { managementApi, type ManagementApi } from './management-api.js';
import { repoRoot } from './repo-root.js';
import { spawnTs } from './spawn-ts.js';

/** A Temporal dev server and a PostgreSQL database named after the run (`bench`, `soak`), unless `config` points at them. */
export async function startStackInfrastructure(
  config: Config,
  name: string,
  log: (line: string) => void,
): Promise<{ infra: Infrastructure; database: string }> {
  const database = `${name}_${Date.now().toString(36)}`;
  const infra = await startInfrastructure(config, {
    temporalPort: await freePort(),
    postgresDir: `${config.DATA_DIR}/${name}-postgres`,
    database,
    log,
  });
  return { infra, database };
}

/** A fresh management API key for a run named `name`. */
export const newManagementKey = (name: string) => `${name}-${randomBytes(16).toString('hex')}`;

/** Hookflow's worker and API on the stack's task queue and port, as the e2e and ordered phases run them. */
export interface HookflowProcesses {
  worker: ChildProcess;
  api: ChildProcess;
  /** The worker's Prometheus endpoint (its V8 heap figures for the memory breakdown). */
  workerMetricsUrl: string;
}

export interface BenchStack {
  config: Config;
  infra: Infrastructure;
  managementKey: string;
  /** The address of the API on the stack's port (`env.PORT`). */
  baseUrl: string;
  /** The environment of Hookflow's processes on this stack. */
  env: NodeJS.ProcessEnv;
  /** The management API at `baseUrl`. */
  api: ManagementApi;
  /** Spawns `file` (see spawnTs); the process is stopped with the stack. */
  spawn(file: string, env: NodeJS.ProcessEnv, readyLine: string, nodeArgs?: string[]): Promise<ChildProcess>;
  /** Stops a process a phase spawned by other means with the stack. */
  track(child: ChildProcess): void;
  /** Closes a subscriber (or anything with `close()`) with the stack, once its processes have stopped. */
  closeAtEnd(resource: { close(): void }): void;
  /** A client of the stack's Temporal server, connected on first use. */
  client(): Promise<Client>;
  /** Hookflow's worker and API, started on first use (with `--profile-worker`'s profiler when given). */
  hookflow(): Promise<HookflowProcesses>;
  stop(): Promise<void>;
}

// Hookflow runs as production runs it: the `npm run build` output on plain Node, with the prebuilt
// workflow bundle (no tsx, no webpack at worker start).
function buildDist(log: (line: string) => void): void {
  log('building dist/ (npm run build)…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'inherit'] });
}

function hookflowEnv(infra: Infrastructure, managementKey: string, port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_TASK_QUEUE: `hookflow-bench-${Date.now().toString(36)}`,
    MANAGEMENT_API_KEY: managementKey,
    PORT: String(port),
    ALLOW_PRIVATE_TARGETS: 'true',
    REQUIRE_HTTPS: 'false',
    WORKER_METRICS_PORT: '0',
    DELIVERY_RETRY_INITIAL_INTERVAL: '500ms',
    DELIVERY_RETRY_MAX_INTERVAL: '5s',
  };
}

/** Starts the infrastructure and builds dist/; phases start their processes through the returned stack. */
export async function startBenchStack(
  options: {
    profileWorkerDir?: string | undefined;
    heapSnapshotWorkerDir?: string | undefined;
    temporal?: 'dev' | 'cluster';
  },
  log: (line: string) => void,
): Promise<BenchStack> {
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: process.env.BENCH_TEMPORAL_ADDRESS });
  const { infra } =
    options.temporal === 'cluster'
      ? await startClusterInfrastructure(config, 'bench', log)
      : await startStackInfrastructure({ ...config, DATABASE_URL: process.env.BENCH_DATABASE_URL }, 'bench', log);
  const managementKey = newManagementKey('bench');
  const port = await freePort();
  buildDist(log);
  const env = hookflowEnv(infra, managementKey, port);
  const baseUrl = `http://127.0.0.1:${port}`;
  const children: ChildProcess[] = [];
  const closeables: { close(): void }[] = [];
  let connection: Connection | undefined;
  let client: Promise<Client> | undefined;
  let hookflow: Promise<HookflowProcesses> | undefined;
  const spawn: BenchStack['spawn'] = async (file, childEnv, readyLine, nodeArgs = []) => {
    const child = await spawnTs(file, childEnv, readyLine, nodeArgs);
    children.push(child);
    return child;
  };
  const startHookflow = async (): Promise<HookflowProcesses> => {
    const profile = options.profileWorkerDir;
    const metricsPort = await freePort();
    const worker = await spawn(
      'dist/workers/worker.js',
      { ...env, LOG_LEVEL: 'info', WORKER_METRICS_PORT: String(metricsPort) },
      '"worker_started"',
      [
        ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
        // SIGWINCH writes a heap snapshot there (the e2e phase sends it); not SIGUSR2, on which the
        // Temporal SDK's runtime shuts its workers down.
        ...(options.heapSnapshotWorkerDir
          ? ['--heapsnapshot-signal=SIGWINCH', `--diagnostic-dir=${options.heapSnapshotWorkerDir}`]
          : []),
      ],
    );
    const api = await spawn('dist/workers/api.js', { ...env, LOG_LEVEL: 'info' }, '"api_listening"');
    return { worker, api, workerMetricsUrl: `http://127.0.0.1:${metricsPort}/metrics` };
  };
  return {
    config,
    infra,
    managementKey,
    baseUrl,
    env,
    api: managementApi(baseUrl, managementKey),
    spawn,
    track: (child) => children.push(child),
    closeAtEnd: (resource) => closeables.push(resource),
    client: () =>
      (client ??= Connection.connect({ address: infra.temporalAddress }).then((connected) => {
        connection = connected;
        return new Client({ connection });
      })),
    hookflow: () => (hookflow ??= startHookflow()),
    async stop() {
      await connection?.close();
      for (const child of children) child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1_500));
      for (const resource of closeables) resource.close();
      await infra.stop();
    },
  };
}
