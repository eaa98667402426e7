// Ctrl-C in a terminal: SIGINT reaches the whole foreground process group (the dev stack and its
// API and worker), then the dev stack stops its children with SIGTERM. That must drain, not abort.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/db/client.js';
import { deliveries } from '../../src/db/schema.js';
import { freePort } from '../../src/dev/free-port.js';
import { manage } from '../helpers/management.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { startSink } from '../helpers/sink.js';
import { uniqueId } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

const devEntry = fileURLToPath(new URL('../../workers/dev.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'hookflow-dev-signals-'));
const db = openDatabase(inject('databaseUrl'), 1);
afterAll(async () => {
  await closeDatabase(db);
  rmSync(dataDir, { recursive: true, force: true });
});

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
          DATABASE_URL: inject('databaseUrl'),
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_TASK_QUEUE: uniqueId('dev-signals'),
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
        const [row] = await db.select().from(deliveries).where(eq(deliveries.eventId, eventId));
        expect(row?.status).toBe('delivered');
      } finally {
        if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
        await sink.close();
      }
    },
  );
});
