import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
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
  const child = spawn(options.cli.path, serverArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4_000);
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
    return stopChild(child, 5_000);
  };
  child.once('exit', (code, signal) => {
    if (!stopping) options.onUnexpectedExit?.(`exited with ${signal ?? `code ${code}`}\n${stderr}`);
  });
  try {
    await waitUntilReachable(address, options.startTimeoutMs ?? 60_000, child, options.signal);
  } catch (error) {
    await stop();
    // The CLI's last line names the reason (`bind: address already in use`); the rest follows for context.
    const reason = stderr.trim().split('\n').at(-1);
    throw new Error(`${(error as Error).message}${reason ? ` (${reason})` : ''}\n${stderr}`, { cause: error });
  }
  return { address, uiUrl, pid: child.pid, stop };
}
