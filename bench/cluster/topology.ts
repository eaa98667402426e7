// A fresh `npm run cluster` (its own DATA_DIR, embedded PostgreSQL and Temporal databases) run as a
// child process, for one fault each: what it prints is kept with the time it was printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findProcesses, signal } from './processes.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY_WITHIN_MS = 10 * 60_000;
/** Ports of its own (the services' gRPC ports must stay below 32768, docs/deployment.md). */
const PORTS = { temporal: 17233, ui: 18233, api: 13000, metrics: 19464 };

export interface Topology {
  dataDir: string;
  apis: string[];
  managementKey: string;
  databaseUrl: string;
  temporalPid: number;
  postgresPort: number;
  /** When `pattern` was first printed since `since` (ms since the epoch), if it was. */
  printedAt(pattern: RegExp, since: number): number | undefined;
  stop(): Promise<void>;
}

/** The environment without a PostgreSQL or Temporal of its own: the topology starts both. */
function withoutExternalServices(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { DATABASE_URL: _database, TEMPORAL_ADDRESS: _temporal, ...rest } = env;
  return rest;
}

/** Starts `npm run cluster` in a fresh data directory (sharing this checkout's built Go binaries). */
export async function startTopology(env: Record<string, string>, log: (line: string) => void): Promise<Topology> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-fault-'));
  symlinkSync(resolve(ROOT, process.env.DATA_DIR ?? '.data', 'bin'), join(dataDir, 'bin'));
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'workers/cluster.ts')], {
    cwd: ROOT,
    env: {
      ...withoutExternalServices(process.env),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      CLUSTER_TEMPORAL_PORT: String(PORTS.temporal),
      CLUSTER_TEMPORAL_UI_PORT: String(PORTS.ui),
      CLUSTER_API_PORT: String(PORTS.api),
      CLUSTER_WORKER_METRICS_PORT: String(PORTS.metrics),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: { at: number; line: string }[] = [];
  for (const stream of [child.stdout!, child.stderr!])
    createInterface({ input: stream }).on('line', (line) => {
      lines.push({ at: Date.now(), line });
      if (line.startsWith('[hookflow cluster]')) log(line);
    });
  const exited = new Promise<void>((done) => child.on('exit', () => done()));
  const stop = async () => {
    child.kill('SIGINT');
    const stopped = await Promise.race([
      exited.then(() => true),
      new Promise((r) => setTimeout(() => r(false), 120_000)),
    ]);
    // Whatever outlived the stop (it should not): every process started with this DATA_DIR.
    if (!stopped) for (const pid of findProcesses(({ env }) => env.get('DATA_DIR') === dataDir)) signal(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  const printed = (pattern: RegExp) => lines.find(({ line }) => pattern.test(line))?.line.match(pattern);
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!printed(/Ctrl-C stops everything/)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`npm run cluster did not start:\n${lines.map(({ line }) => line).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const databaseUrl = printed(/PostgreSQL\s+(postgres:\/\/\S+)/)![1]!.replace(':****@', ':hookflow@');
  return {
    dataDir,
    apis: [0, 1].map((i) => `http://127.0.0.1:${PORTS.api + i}`),
    managementKey: printed(/Management key: (\S+)/)![1]!,
    databaseUrl,
    temporalPid: Number(printed(/server pid (\d+)/)![1]),
    postgresPort: Number(new URL(databaseUrl).port),
    printedAt: (pattern, since) => lines.find(({ at, line }) => at >= since && pattern.test(line))?.at,
    stop,
  };
}
