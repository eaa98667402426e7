// `npm start` as the dev-stack tests run it: in a process group of its own (as a shell runs a
// foreground job), with its own DATA_DIR and ports, so whatever it leaves behind is found by them.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { manage } from './management.js';
import { courierEnvelope, postHmacWebhook } from './send.js';
import { uniqueId } from './stack.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const devEntry = fileURLToPath(new URL('../../workers/dev.ts', import.meta.url));

export interface DevStackPorts {
  temporal: number;
  ui: number;
  api: number;
}

export interface DevStackRun {
  /** The group's first process: `process.kill(-child.pid, …)` signals the whole group. */
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Both streams, interleaved as they arrived. */
  output(): string;
  /** Resolves with the exit code of the group's first process. */
  exited: Promise<number | null>;
}

/** Three free ports, none the same. */
export async function distinctFreePorts(): Promise<DevStackPorts> {
  const taken = new Set<number>();
  const next = async () => {
    let port = await freePort();
    while (taken.has(port)) port = await freePort();
    taken.add(port);
    return port;
  };
  return { temporal: await next(), ui: await next(), api: await next() };
}

/**
 * Starts the dev stack in a process group of its own: `workers/dev.ts` under node and tsx, or (with
 * `viaNpm`) `npm start` itself, whose group also holds npm, its shell and tsx's CLI. With no
 * DATABASE_URL or TEMPORAL_ADDRESS in `env` it starts its own, as `npm start` does.
 */
export function spawnDevStack(
  ports: DevStackPorts,
  dataDir: string,
  env: Record<string, string> = {},
  { viaNpm = false } = {},
): DevStackRun {
  const { TEMPORAL_ADDRESS: _external, ...inherited } = process.env;
  const [command, args] = viaNpm ? ['npm', ['start', '--silent']] : [process.execPath, ['--import', 'tsx', devEntry]];
  const child = spawn(command, args, {
    cwd: repoRoot,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...inherited,
      NODE_ENV: 'development',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      TEMPORAL_CLI_PATH: inject('temporalCliPath'),
      DEV_TEMPORAL_PORT: String(ports.temporal),
      DEV_TEMPORAL_UI_PORT: String(ports.ui),
      PORT: String(ports.api),
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), (output += chunk.toString())));
  child.stderr!.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), (output += chunk.toString())));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, output: () => output, exited };
}

/** Whether any process of the group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
}

/**
 * Creates a source and a subscription to `sinkUrl` through the running dev stack's management API and
 * sends one signed event; resolves to its event id once accepted.
 */
export async function sendThroughDevStack(stack: { url: string; managementKey: string }, sinkUrl: string) {
  const sourceId = uniqueId('src');
  const secret = 'dev-stack-secret-123';
  const source = await manage(stack, 'POST', '/v1/sources', { id: sourceId, scheme: 'hmac-sha256', secret });
  if (source.status !== 201) throw new Error(`creating the source answered ${source.status}: ${source.text}`);
  const subscription = await manage(stack, 'POST', '/v1/subscriptions', { url: sinkUrl, sourceIds: [sourceId] });
  if (subscription.status !== 201)
    throw new Error(`creating the subscription answered ${subscription.status}: ${subscription.text}`);
  const accepted = await postHmacWebhook(stack.url, sourceId, secret, courierEnvelope());
  if (accepted.status !== 202) throw new Error(`the webhook was answered ${accepted.status}: ${await accepted.text()}`);
  return ((await accepted.json()) as { eventId: string }).eventId;
}

/** The processes of group `pgid` (state, elapsed time, CPU, command), for a failure message. */
export function describeGroup(pgid: number): string {
  try {
    return execFileSync('ps', ['-o', 'pid,stat,etime,pcpu,args', '-g', String(pgid)], { encoding: 'utf8' });
  } catch {
    return `(no process left in group ${pgid})`;
  }
}
