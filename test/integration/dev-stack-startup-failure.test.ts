// `npm start` that cannot start must not leave half a stack behind: whatever it had started
// (Temporal dev server, children) is stopped, one line says why, and the exit code is non-zero.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { distinctFreePorts, groupAlive, spawnDevStack, type DevStackPorts as Ports } from '../helpers/dev-stack.js';
import { ownListeners, processesWithEnv } from '../helpers/processes.js';
import { waitFor } from '../helpers/wait.js';

const dataDirs: string[] = [];
const groups: number[] = [];
afterEach(() => {
  // A failed assertion must not leave a stack running on the machine either.
  for (const pid of groups.splice(0)) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface FailedStart {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  elapsedMs: number;
  /** Milliseconds from the "Temporal dev server listening" line to exit, when that line came. */
  afterTemporalMs: number | undefined;
  pid: number;
  /** The run's own DATA_DIR: every process it started carries it in its environment. */
  dataDir: string;
}

/** Resolves when `stream` has ended, or after `timeoutMs` (a leftover process may hold it open). */
function ended(stream: NodeJS.ReadableStream & { readableEnded: boolean }, timeoutMs = 5_000): Promise<void> {
  if (stream.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    stream.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Runs `workers/dev.ts` in a process group of its own until it exits (or `timeoutMs` passes);
 * `whenTemporalUp` runs once its Temporal dev server is listening.
 */
async function startDevStack(
  ports: Ports,
  env: Record<string, string>,
  { timeoutMs = 90_000, whenTemporalUp }: { timeoutMs?: number; whenTemporalUp?: () => void } = {},
): Promise<FailedStart> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-dev-failure-'));
  dataDirs.push(dataDir);
  const started = Date.now();
  const { child, exited, stdout, stderr } = spawnDevStack(ports, dataDir, env);
  groups.push(child.pid!);
  let temporalUpAt: number | undefined;
  child.stdout!.on('data', () => {
    if (temporalUpAt === undefined && stdout().includes('Temporal dev server listening')) {
      temporalUpAt = Date.now();
      whenTemporalUp?.();
    }
  });
  const timedOut = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
  const outcome = await Promise.race([exited, timedOut]);
  if (outcome === 'timeout') {
    process.kill(-child.pid!, 'SIGKILL');
    throw new Error(`the dev stack did not exit within ${timeoutMs} ms\n${stdout()}\n${stderr()}`);
  }
  const exitedAt = Date.now();
  // The pipes may still hold the last lines after the exit event.
  await Promise.all([ended(child.stdout!), ended(child.stderr!)]);
  return {
    code: outcome,
    stdout: stdout(),
    stderr: stderr(),
    elapsedMs: exitedAt - started,
    afterTemporalMs: temporalUpAt === undefined ? undefined : exitedAt - temporalUpAt,
    pid: child.pid!,
    dataDir,
  };
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** The failure is one line on stderr, and nothing anywhere prints a stack trace. */
function expectOneErrorLine(run: FailedStart): string {
  const lines = run.stderr.split('\n').filter((line) => line.trim() !== '');
  expect(lines, run.stderr).toHaveLength(1);
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at /m);
  return lines[0]!;
}

async function expectNothingLeft(run: FailedStart, ports: Ports): Promise<void> {
  // tsx's esbuild service is in the group too and leaves when its parent's pipe closes, a moment after.
  await waitFor(async () => !groupAlive(run.pid), { timeoutMs: 10_000, what: 'every process of the group to exit' });
  // The servers and children it started run in process groups of their own: found by their DATA_DIR.
  await waitFor(async () => processesWithEnv('DATA_DIR', run.dataDir).length === 0, {
    timeoutMs: 10_000,
    what: 'every process the dev stack started to exit',
  });
  for (const port of [ports.temporal, ports.ui, ports.api])
    expect(ownListeners(port, run.dataDir), `port ${port}`).toEqual([]);
}

describe('npm start that fails to start', () => {
  it(
    'stops the Temporal dev server it started when migration fails, names the cause in one line and exits 1',
    { timeout: 120_000 },
    async () => {
      const ports = await distinctFreePorts();
      const unreachable = await freePort();
      const run = await startDevStack(ports, {
        DATABASE_URL: `postgres://hookflow:hookflow@127.0.0.1:${unreachable}/hookflow`,
      });
      console.log(
        `migration failure: exit ${run.code} after ${run.elapsedMs} ms, ${run.afterTemporalMs} ms after Temporal was up`,
      );

      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`Temporal dev server listening on 127.0.0.1:${ports.temporal}`);
      const line = expectOneErrorLine(run);
      expect(line).toContain('PostgreSQL');
      expect(line).toContain(`127.0.0.1:${unreachable}`);
      expect(line).toContain('ECONNREFUSED');
      expect(line).not.toContain('hookflow:hookflow@');
      await expectNothingLeft(run, ports);
    },
  );

  it('fails before starting anything when the API port is taken, naming the port', { timeout: 120_000 }, async () => {
    const ports = await distinctFreePorts();
    const blocker = await listen(ports.api);
    let run: FailedStart;
    try {
      run = await startDevStack(ports, { DATABASE_URL: inject('databaseUrl') });
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    console.log(`API port taken: exit ${run.code} after ${run.elapsedMs} ms`);

    expect(run.code).toBe(1);
    const line = expectOneErrorLine(run);
    expect(line).toContain(`API port ${ports.api} is already in use`);
    expect(line).toContain('set PORT');
    await expectNothingLeft(run, ports);
  });

  it(
    'stops Temporal and the children when the API cannot bind after Temporal is up, and exits 1',
    { timeout: 120_000 },
    async () => {
      const ports = await distinctFreePorts();
      // Taken only once Temporal listens: past the up-front check, so the API process itself fails to bind.
      let blocker: Promise<Server> | undefined;
      let run: FailedStart;
      try {
        run = await startDevStack(
          ports,
          { DATABASE_URL: inject('databaseUrl') },
          { whenTemporalUp: () => (blocker = listen(ports.api)) },
        );
      } finally {
        const server = await blocker;
        if (server) await new Promise((resolve) => server.close(resolve));
      }
      console.log(
        `API bind failure: exit ${run.code} after ${run.elapsedMs} ms, ${run.afterTemporalMs} ms after Temporal was up`,
      );

      expect(run.code).toBe(1);
      expect(blocker).toBeDefined();
      // The API names the taken port in one line of its own (stderr is shared), with no stack trace;
      // the dev stack adds one line of its own.
      expect(run.stderr).toContain(`API port ${ports.api} is already in use`);
      expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/^\s+at /m);
      const own = run.stderr.split('\n').filter((line) => line.startsWith('[hookflow]'));
      expect(own).toEqual(['[hookflow] start failed: a Hookflow process exited during startup (see its output above)']);
      await expectNothingLeft(run, ports);
    },
  );
});
