// The soak's stack: a Temporal dev server and an embedded PostgreSQL of its own, the API and the worker
// run from source under tsx (their output's tail kept for a post-mortem), and the subscribers; all
// stopped once, at the end or on Ctrl-C, and the soak's database dropped.
import postgres from 'postgres';
import { loadConfig } from '../../src/config.js';
import type { Infrastructure } from '../../src/dev/dev-stack.js';
import { freePort } from '../../src/dev/free-port.js';
import { spawnLogged, type LoggedProcess } from '../../test/helpers/logged-process.js';
import { managementApi, type ManagementApi } from '../runner/management-api.js';
import { repoRoot } from '../runner/repo-root.js';
import { newManagementKey, startStackInfrastructure } from '../runner/stack.js';
import { heapSnapshotNodeOptions, type ProcessName } from './heap.js';
import { ingestClock, type IngestClock } from './ingest-clock.js';
import type { SoakSettings } from './settings.js';
import type { FailingSubscriber } from './subscriber.js';

/** The delivery timeout the processes run with (a subscriber's `timeout` failure answers only after it). */
export const DELIVERY_TIMEOUT_MS = 2_000;

export interface UnexpectedExit {
  process: ProcessName;
  code: number | null;
  signal: string | null;
  atMinute: number;
}

export interface SoakProcesses {
  api: LoggedProcess;
  worker: LoggedProcess;
  pids: Record<ProcessName, number | undefined>;
  /** Each process's Prometheus endpoint and metric prefix. */
  metrics: Record<ProcessName, [string, string]>;
  /** Minutes of ingest (until ingest starts, since both processes were up). */
  clock: IngestClock;
  /** Exits before the stack was stopped, as they happen. */
  unexpectedExits: UnexpectedExit[];
}

export interface SoakStack {
  infra: Infrastructure;
  baseUrl: string;
  api: ManagementApi;
  heapSnapshotDir: string | undefined;
  /** True once interrupted (Ctrl-C) or stopping: the ingest and the drain end early. */
  readonly stopping: boolean;
  /** Starts the worker, then the API. */
  startProcesses(): Promise<SoakProcesses>;
  /** Closes a subscriber with the stack. */
  closeAtEnd(subscriber: FailingSubscriber): void;
  /** Runs first when the stack stops (the memory sampler's timer). */
  onShutdown(stop: () => void): void;
  /** Stops everything once; later calls wait for the same stop. */
  shutdown(): Promise<void>;
}

function soakEnv(infra: Infrastructure, key: string, workerMetricsPort: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    LOG_LEVEL: 'info',
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_TASK_QUEUE: `hookflow-soak-${Date.now().toString(36)}`,
    MANAGEMENT_API_KEY: key,
    ALLOW_PRIVATE_TARGETS: 'true',
    REQUIRE_HTTPS: 'false',
    WORKER_METRICS_PORT: String(workerMetricsPort),
    DELIVERY_TIMEOUT_MS: String(DELIVERY_TIMEOUT_MS),
    // Fast, deep retries: 20% random failures never exhaust 30 attempts, so any loss is a bug, not the policy.
    DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
    DELIVERY_RETRY_BACKOFF: '2',
    DELIVERY_RETRY_MAX_INTERVAL: '5s',
    DELIVERY_RETRY_MAX_ATTEMPTS: '30',
  };
}

/** A process that exits before the stack is stopped is a finding of its own: say so, with its last words. */
function watchExits(
  processes: Record<ProcessName, LoggedProcess>,
  clock: IngestClock,
  stopped: () => boolean,
  say: (line: string) => void,
): UnexpectedExit[] {
  const exits: UnexpectedExit[] = [];
  for (const [name, child] of Object.entries(processes) as [ProcessName, LoggedProcess][])
    child.child.once('exit', (code, signal) => {
      if (stopped()) return;
      const atMinute = clock.minutes(2);
      exits.push({ process: name, code, signal, atMinute });
      say(`${name} exited (code ${code}, signal ${signal}) at minute ${atMinute}; its last output:`);
      process.stdout.write(`${child.output().slice(-4_000)}\n`);
    });
  return exits;
}

export async function startSoakStack(settings: SoakSettings, say: (line: string) => void): Promise<SoakStack> {
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: undefined, DATABASE_URL: undefined });
  const { infra, database } = await startStackInfrastructure(config, 'soak', say);
  const key = newManagementKey('soak');
  const port = await freePort();
  const workerMetricsPort = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = soakEnv(infra, key, workerMetricsPort);
  const heapSnapshotDir = settings.heapSnapshotMinutes.length
    ? `${repoRoot}${config.DATA_DIR.replace(/^\.\//, '')}/soak-heap-${Date.now().toString(36)}`
    : undefined;
  if (heapSnapshotDir) {
    env.NODE_OPTIONS = heapSnapshotNodeOptions(heapSnapshotDir);
    say(`heap snapshots at minutes ${settings.heapSnapshotMinutes.join(', ')} into ${heapSnapshotDir}`);
  }
  const children: LoggedProcess[] = [];
  const subscribers: FailingSubscriber[] = [];
  const shutdownHooks: (() => void)[] = [];
  let stopping = false;
  let stopped: Promise<void> | undefined;
  const stopEverything = async () => {
    for (const hook of shutdownHooks) hook();
    await Promise.all(children.map((c) => c.stop()));
    for (const s of subscribers) s.close();
    const admin = postgres(infra.databaseUrl.replace(/\/[^/]+$/, '/postgres'), { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${database}" with (force)`).catch(() => {});
    await admin.end();
    await infra.stop();
  };
  const shutdown = () => (stopped ??= stopEverything());
  process.once('SIGINT', () => {
    if (stopping) process.exit(1);
    stopping = true;
    say('interrupted: stopping the stack…');
    void shutdown().then(() => process.exit(130));
  });
  const startProcesses = async (): Promise<SoakProcesses> => {
    // Only the tail of their logs is kept (for a post-mortem); readiness is read from the stream.
    const worker = await spawnLogged('worker', env, 'worker_started', { keepBytes: 256 * 1024 });
    children.push(worker);
    const api = await spawnLogged('api', { ...env, PORT: String(port) }, 'api_listening', { keepBytes: 256 * 1024 });
    children.push(api);
    const clock = ingestClock();
    return {
      api,
      worker,
      pids: { api: api.child.pid, worker: worker.child.pid },
      metrics: {
        api: [`${baseUrl}/metrics`, 'hookflow_api_'],
        worker: [`http://127.0.0.1:${workerMetricsPort}/metrics`, 'hookflow_worker_'],
      },
      clock,
      unexpectedExits: watchExits({ api, worker }, clock, () => stopped !== undefined, say),
    };
  };
  return {
    infra,
    baseUrl,
    api: managementApi(baseUrl, key),
    heapSnapshotDir,
    get stopping() {
      return stopping;
    },
    startProcesses,
    closeAtEnd: (subscriber) => subscribers.push(subscriber),
    onShutdown: (stop) => shutdownHooks.push(stop),
    shutdown: () => {
      stopping = true;
      return shutdown();
    },
  };
}
