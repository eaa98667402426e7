import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { stopChild } from './child-processes.js';
import { searchAttributeCliArgs } from '../temporal/register-search-attributes.js';
import { clientInterceptors } from '../temporal/client-connection.js';
import type { TemporalCli } from './temporal-cli.js';

export interface DevServerOptions {
  cli: TemporalCli;
  ip?: string;
  port: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  /** SQLite file to persist to; omit for an in-memory server. */
  dbFilename?: string;
  namespace?: string;
  /** Appends the server's stderr (its log at `warn`) to this file, across restarts. */
  logFile?: string;
  startTimeoutMs?: number;
  /** Called when the server exits without being asked to (code or signal, and the tail of its stderr). */
  onUnexpectedExit?: (reason: string) => void;
  /** Gives the start up while the server is not reachable yet: it is stopped and the start rejects. */
  signal?: AbortSignal;
}

export interface DevServer {
  address: string;
  uiUrl?: string | undefined;
  pid?: number | undefined;
  stop(): Promise<void>;
}

async function waitUntilReachable(
  address: string,
  timeoutMs: number,
  child?: ChildProcess,
  signal?: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    signal?.throwIfAborted();
    if (child && child.exitCode !== null) throw new Error(`temporal dev server exited with code ${child.exitCode}`);
    try {
      const connection = await Connection.connect({
        address,
        connectTimeout: 1_000,
        interceptors: clientInterceptors(),
      });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} not reachable after ${timeoutMs} ms: ${String(lastError)}`);
}

/** Starts `temporal server start-dev` with Hookflow's search attributes registered. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const address = `${ip}:${options.port}`;
  const namespace = options.namespace ?? 'default';
  const args = ['--namespace', namespace, ...searchAttributeCliArgs()];
  const uiUrl = options.uiPort ? `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${options.uiPort}` : undefined;

  if (options.cli.kind === 'sdk-download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip,
        port: options.port,
        ...(options.uiPort ? { ui: true, uiPort: options.uiPort } : { ui: false }),
        ...(options.dbFilename ? { dbFilename: options.dbFilename } : {}),
        namespace,
        extraArgs: searchAttributeCliArgs(),
      },
    });
    return { address, uiUrl, stop: () => env.teardown() };
  }

  if (options.dbFilename) mkdirSync(dirname(options.dbFilename), { recursive: true });
  const serverArgs = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    ...(options.dbFilename ? ['--db-filename', options.dbFilename] : []),
    '--log-level',
    'warn',
    ...args,
  ];
  for (let attempt = 1; ; attempt++) {
    try {
      return { ...(await launchCli(options.cli.path, serverArgs, address, options)), uiUrl };
    } catch (error) {
      // The CLI picks its HTTP API and metrics ports itself (free when it looked); another process
      // on a busy machine can take one before it binds. Those are not ports the caller asked for,
      // so a new launch picks others. A taken `--port`/`--ui-port` is the caller's to resolve.
      const taken = takenPort(error);
      const ours = taken === options.port || taken === options.uiPort;
      if (taken === undefined || ours || attempt >= MAX_LAUNCHES) throw error;
    }
  }
}

const MAX_LAUNCHES = 4;

/** The port a failed launch could not bind, from the CLI's `listen tcp …:PORT: bind: address already in use`. */
function takenPort(error: unknown): number | undefined {
  const match = /listen tcp [^\s]*:(\d+): bind: address already in use/.exec(String((error as Error)?.message));
  return match ? Number(match[1]) : undefined;
}

async function launchCli(
  cliPath: string,
  serverArgs: string[],
  address: string,
  options: DevServerOptions,
): Promise<Omit<DevServer, 'uiUrl'>> {
  const child = spawn(cliPath, serverArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  if (options.logFile) {
    mkdirSync(dirname(options.logFile), { recursive: true });
    appendFileSync(options.logFile, '');
  }
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
    if (options.logFile) appendFileSync(options.logFile, chunk);
  });
  let stopping = false;
  let reachable = false;
  const stop = () => {
    stopping = true;
    return stopChild(child, 5_000);
  };
  // An exit before it is reachable is the launch failing (reported by the throw below), not a crash.
  child.once('exit', (code, signal) => {
    if (!stopping && reachable) options.onUnexpectedExit?.(`exited with ${signal ?? `code ${code}`}\n${stderr}`);
  });
  try {
    await waitUntilReachable(address, options.startTimeoutMs ?? 60_000, child, options.signal);
  } catch (error) {
    await stop();
    // The CLI's last line names the reason (`bind: address already in use`); the rest follows for context.
    const reason = stderr.trim().split('\n').at(-1);
    throw new Error(`${(error as Error).message}${reason ? ` (${reason})` : ''}\n${stderr}`, { cause: error });
  }
  reachable = true;
  return { address, pid: child.pid, stop };
}
