// Ctrl-C in a terminal: SIGINT reaches the whole foreground process group. With everything `npm start`
// runs — its own Temporal dev server and embedded PostgreSQL, the API and the worker — that must
// drain: the in-flight delivery completes and is recorded before the servers under it stop. (The
// dev stack runs in a process group of its own, so only its launcher gets the terminal's signal.)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { distinctFreePorts, sendThroughDevStack, spawnDevStack } from '../helpers/dev-stack.js';
import { startSink } from '../helpers/sink.js';
import { processesWithEnv } from '../helpers/processes.js';
import { uniqueId } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-dev-signals-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start and Ctrl-C', () => {
  it(
    'drains on SIGINT to the process group: the in-flight delivery completes once, and nothing exits without draining',
    { timeout: 120_000 },
    async () => {
      const ports = await distinctFreePorts();
      const managementKey = `dev-signals-${uniqueId('key')}`;
      const run = spawnDevStack(ports, dataDir, { MANAGEMENT_API_KEY: managementKey });
      const { child, output } = run;
      const sink = await startSink(async () => {
        await new Promise((done) => setTimeout(done, 3_000));
        return { status: 200 };
      });
      try {
        // A stack that failed to start has exited: stop waiting then, and say why.
        await waitFor(async () => output().includes('[hookflow] ready.') || child.exitCode !== null, {
          timeoutMs: 90_000,
          what: () => `the dev stack to be ready\n${output()}`,
        });
        expect(child.exitCode, `the dev stack exited before it was ready\n${output()}`).toBeNull();
        const eventId = await sendThroughDevStack({ url: `http://127.0.0.1:${ports.api}`, managementKey }, sink.url);
        await waitFor(async () => sink.received.length > 0, {
          timeoutMs: 30_000,
          what: 'the delivery to be in flight',
        });

        process.kill(-child.pid!, 'SIGINT');
        expect(await run.exited).toBe(0);

        expect(output()).not.toContain('without draining');
        expect(output()).toContain('stopped.');
        expect(sink.byMessage(eventId)).toHaveLength(1);
        // The worker recorded the delivery (its database was still up) and nothing failed under it.
        expect(output()).toMatch(
          new RegExp(
            `"event":"delivery_succeeded".*"eventId":"${eventId}"|"eventId":"${eventId}".*"event":"delivery_succeeded"`,
          ),
        );
        expect(output()).not.toContain('Failed query');
        expect(output()).not.toContain('Temporal dev server exited');
        await waitFor(async () => processesWithEnv('DATA_DIR', dataDir).length === 0, {
          timeoutMs: 15_000,
          what: 'every process the dev stack started to exit',
        });
      } finally {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
        for (const pid of processesWithEnv('DATA_DIR', dataDir)) process.kill(pid, 'SIGKILL');
        await sink.close();
      }
    },
  );
});
