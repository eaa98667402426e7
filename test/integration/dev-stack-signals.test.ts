// Ctrl-C in a terminal: SIGINT reaches the whole foreground process group. With everything `npm start`
// runs — its own Temporal dev server and embedded PostgreSQL, the API and the worker — that must
// drain: the in-flight delivery completes and is recorded before the servers under it stop. (The
// dev stack runs in a process group of its own, so only its launcher gets the terminal's signal.)
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { manage } from '../helpers/management.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { startSink } from '../helpers/sink.js';
import { processesWithEnv } from '../helpers/processes.js';
import { uniqueId } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const devEntry = fileURLToPath(new URL('../../workers/dev.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-dev-signals-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start and Ctrl-C', () => {
  it(
    'drains on SIGINT to the process group: the in-flight delivery completes once, and nothing exits without draining',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const managementKey = `dev-signals-${uniqueId('key')}`;
      const child = spawn(process.execPath, ['--import', 'tsx', devEntry], {
        // A process group of its own, as a shell gives a foreground job.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          NODE_ENV: 'development',
          PORT: String(port),
          DATA_DIR: dataDir,
          // No DATABASE_URL or TEMPORAL_ADDRESS: the dev stack starts its own, as `npm start` does.
          DATABASE_URL: '',
          TEMPORAL_ADDRESS: '',
          TEMPORAL_CLI_PATH: inject('temporalCliPath'),
          DEV_TEMPORAL_PORT: String(await freePort()),
          DEV_TEMPORAL_UI_PORT: String(await freePort()),
          MANAGEMENT_API_KEY: managementKey,
          WORKER_METRICS_PORT: '0',
          LOG_LEVEL: 'info',
        },
      });
      let output = '';
      child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const sink = await startSink(async () => {
        await new Promise((done) => setTimeout(done, 3_000));
        return { status: 200 };
      });
      try {
        await waitFor(async () => output.includes('[hookflow] ready.'), {
          timeoutMs: 90_000,
          what: `the dev stack to be ready\n${output}`,
        });
        const stack = { url: `http://127.0.0.1:${port}`, managementKey };
        const sourceId = uniqueId('src');
        const secret = 'dev-signals-secret-123';
        expect(
          (await manage(stack, 'POST', '/v1/sources', { id: sourceId, scheme: 'hmac-sha256', secret })).status,
        ).toBe(201);
        expect(
          (await manage(stack, 'POST', '/v1/subscriptions', { url: sink.url, sourceIds: [sourceId] })).status,
        ).toBe(201);
        const accepted = await postHmacWebhook(stack.url, sourceId, secret, courierEnvelope());
        expect(accepted.status).toBe(202);
        const { eventId } = (await accepted.json()) as { eventId: string };
        await waitFor(async () => sink.received.length > 0, {
          timeoutMs: 30_000,
          what: 'the delivery to be in flight',
        });

        process.kill(-child.pid!, 'SIGINT');
        expect(await exited).toBe(0);

        expect(output).not.toContain('without draining');
        expect(output).toContain('stopped.');
        expect(sink.byMessage(eventId)).toHaveLength(1);
        // The worker recorded the delivery (its database was still up) and nothing failed under it.
        expect(output).toMatch(
          new RegExp(
            `"event":"delivery_succeeded".*"eventId":"${eventId}"|"eventId":"${eventId}".*"event":"delivery_succeeded"`,
          ),
        );
        expect(output).not.toContain('Failed query');
        expect(output).not.toContain('Temporal dev server exited');
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
