// `npm start` killed outright (SIGKILL of its process group: `timeout -s KILL`, an IDE's stop button)
// must not leave the stack behind. The stack runs in a process group of its own, which that SIGKILL
// does not reach: it notices its launcher is gone and stops everything it started, within seconds,
// so the next `npm start` finds its ports free.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeGroup,
  distinctFreePorts,
  groupAlive,
  sendThroughDevStack,
  spawnDevStack,
  type DevStackPorts,
  type DevStackRun,
} from '../helpers/dev-stack.js';
import { ownListeners, processesWithEnv } from '../helpers/processes.js';
import { startSink } from '../helpers/sink.js';
import { uniqueId } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

/** What the stack must take no longer than to stop once its launcher is killed. */
const STOPPED_WITHIN_MS = 15_000;

const dataDirs: string[] = [];
const groups: number[] = [];
afterEach(() => {
  // A failed assertion must not leave a stack running on the machine either.
  for (const pid of groups.splice(0)) if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  for (const dir of dataDirs.splice(0)) {
    for (const pid of processesWithEnv('DATA_DIR', dir)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

function start(ports: DevStackPorts, dataDir: string, env: Record<string, string>): DevStackRun {
  const run = spawnDevStack(ports, dataDir, env, { viaNpm: true });
  groups.push(run.child.pid!);
  return run;
}

function processGroupOf(pid: number): number | undefined {
  try {
    // `pid (comm) state ppid pgrp …`; comm may hold spaces, so fields are counted after its `)`.
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
  } catch {
    return undefined;
  }
}

/** SIGKILLs the run's whole group, as `kill -9 -<pgid>` does; resolves with how long until nothing of it is left. */
async function killGroupAndWaitForNothingLeft(run: DevStackRun, dataDir: string): Promise<number> {
  const ours = processesWithEnv('DATA_DIR', dataDir);
  // The point of the test: part of the stack is out of reach of the group's SIGKILL.
  expect(ours.filter((pid) => processGroupOf(pid) !== run.child.pid).length).toBeGreaterThan(0);
  const killedAt = Date.now();
  process.kill(-run.child.pid!, 'SIGKILL');
  await waitFor(async () => processesWithEnv('DATA_DIR', dataDir).length === 0, {
    timeoutMs: STOPPED_WITHIN_MS,
    what: () =>
      `every process the dev stack started to exit after its launcher was killed\n${run.output().slice(-4_000)}`,
  });
  return Date.now() - killedAt;
}

/** No process of this run still listens on `ports` (another test file may have taken a freed port since). */
function expectNothingListening(ports: number[], dataDir: string): void {
  for (const port of ports) expect(ownListeners(port, dataDir), `port ${port}`).toEqual([]);
}

const postgresPortOf = (output: string) =>
  Number(/PostgreSQL +postgres:\/\/[^@]+@127\.0\.0\.1:(\d+)\//.exec(output)?.[1]);

describe('npm start whose launcher is killed', () => {
  it(
    'stops the whole stack within seconds, even with a delivery in flight, and the next npm start binds the same ports',
    { timeout: 400_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-dev-killed-'));
      dataDirs.push(dataDir);
      const ports = await distinctFreePorts();
      // The banner's last line: the lines before it (the API and PostgreSQL URLs) have arrived too.
      const banner = '[hookflow] Ctrl-C stops everything.';
      const env = { MANAGEMENT_API_KEY: `dev-killed-${uniqueId('key')}` };
      // The subscriber holds the request until the end: the worker cannot finish its drain on its own.
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      const sink = await startSink(async () => {
        await released;
        return { status: 200 };
      });
      try {
        const first = start(ports, dataDir, env);
        await waitFor(async () => first.output().includes(banner), {
          timeoutMs: 180_000,
          what: () => `the dev stack to be ready\n${first.output()}\n${describeGroup(first.child.pid!)}`,
        });
        const postgresPort = postgresPortOf(first.output());
        expect(postgresPort).toBeGreaterThan(0);
        const stack = { url: `http://127.0.0.1:${ports.api}`, managementKey: env.MANAGEMENT_API_KEY };
        await sendThroughDevStack(stack, sink.url);
        await waitFor(async () => sink.received.length > 0, {
          timeoutMs: 60_000,
          what: 'the delivery to be in flight',
        });

        const stoppedMs = await killGroupAndWaitForNothingLeft(first, dataDir);
        console.log(`launcher killed with a delivery in flight: nothing left after ${stoppedMs} ms`);
        expect(first.output()).toContain('[hookflow] the launcher is gone');
        expectNothingListening([ports.api, ports.temporal, ports.ui, postgresPort], dataDir);

        const startedAt = Date.now();
        const second = start(ports, dataDir, env);
        await waitFor(async () => second.output().includes(banner) || second.child.exitCode !== null, {
          timeoutMs: 180_000,
          what: () => `the dev stack to be ready again\n${second.output()}\n${describeGroup(second.child.pid!)}`,
        });
        console.log(`started again on the same ports and DATA_DIR: ready after ${Date.now() - startedAt} ms`);
        expect(second.output()).toContain(banner);
        expect(second.stderr()).not.toContain('start failed');
        expect(second.output()).toContain(`API          http://127.0.0.1:${ports.api}`);
        expect(second.output()).toContain(`Temporal     127.0.0.1:${ports.temporal}`);

        release();
        process.kill(-second.child.pid!, 'SIGINT');
        await second.exited;
        await waitFor(async () => processesWithEnv('DATA_DIR', dataDir).length === 0, {
          timeoutMs: 60_000,
          what: () =>
            `every process the restarted dev stack started to exit on SIGINT\n${second.output().slice(-4_000)}`,
        });
        expect(second.output()).toContain('[hookflow] stopped.');
        expectNothingListening([ports.api, ports.temporal, ports.ui], dataDir);
      } finally {
        release();
        await sink.close();
      }
    },
  );

  it(
    'stops what it had started when the launcher is killed while the infrastructure is starting and its console is gone',
    { timeout: 300_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-dev-killed-'));
      dataDirs.push(dataDir);
      const ports = await distinctFreePorts();
      const run = start(ports, dataDir, {});
      // Temporal is up and PostgreSQL is starting: the start is halfway.
      await waitFor(async () => run.stdout().includes('Temporal dev server listening'), {
        timeoutMs: 180_000,
        what: () => `the Temporal dev server to be up\n${run.output()}`,
      });
      expect(run.stdout()).not.toContain('[hookflow] ready.');
      // An IDE's console stops reading when its run is stopped: every later write of the stack fails.
      run.child.stdout!.destroy();
      run.child.stderr!.destroy();

      const stoppedMs = await killGroupAndWaitForNothingLeft(run, dataDir);
      console.log(`launcher killed during startup, console gone: nothing left after ${stoppedMs} ms`);
      expectNothingListening([ports.api, ports.temporal, ports.ui], dataDir);
    },
  );
});
