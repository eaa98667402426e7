import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../src/dev/free-port.js';
import { startDevServer, type DevServer } from '../../src/dev/temporal-dev-server.js';
import { startCustomStack } from '../helpers/custom-stack.js';
import { createCourierSource, fastRetries, subscribe } from '../helpers/delivery-fixtures.js';
import { sendCourierEvent, startIngest, type IngestResult } from '../helpers/ingest-driver.js';
import { startSink, type Sink } from '../helpers/sink.js';
import type { TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// Longer than ingress waits for Temporal (startEventWorkflow's deadline), so requests sent early in the outage time out with 503.
const OUTAGE_MS = 12_000;
const env = {
  ...fastRetries,
  // Long enough that a subscriber in this process answers in time on a saturated machine: the test
  // asserts no delivery is sent twice, and an attempt that times out is rightly sent again.
  DELIVERY_TIMEOUT_MS: '10000',
  DELIVERY_RETRY_MAX_ATTEMPTS: '20',
  DELIVERY_RETRY_MAX_INTERVAL: '2s',
  // The 503 path: with spillover (the default) the outbox takes these; see spillover.test.ts.
  INGRESS_SPILLOVER_AFTER: 'off',
};

let dir: string;
let port: number;
let server: DevServer | undefined;
let stack: TestStack | undefined;
let sink: Sink;

const startServer = () =>
  startDevServer({
    cli: { kind: 'binary', path: inject('temporalCliPath'), origin: 'PATH' },
    port,
    dbFilename: join(dir, 'temporal.db'),
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookflow-temporal-restart-'));
  port = await freePort();
  server = await startServer();
  stack = await startCustomStack({ temporalAddress: server.address, env });
  sink = await startSink();
});
afterAll(async () => {
  await stack?.stop();
  await server?.stop();
  await sink?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a Temporal dev server stopped and restarted (same port, same SQLite file) during steady ingest', () => {
  it(
    'answers 503 + Retry-After while it is down, never 202, and delivers every event it answered 202 for',
    { timeout: 150_000 },
    async () => {
      const source = await createCourierSource(stack!);
      await subscribe(stack!, sink.url, source.id);
      const ingest = startIngest({
        baseUrl: stack!.url,
        sourceId: source.id,
        secret: source.secret,
        concurrency: 4,
        pauseMs: 80,
        keyPrefix: 'restart',
      });

      await waitFor(async () => sink.received.length >= 20, { timeoutMs: 30_000, what: 'deliveries to be under way' });
      const stoppedAt = Date.now();
      await server!.stop();
      const downAt = Date.now();
      await sleep(OUTAGE_MS);
      const restartingAt = Date.now();
      server = await startServer();
      const upAt = Date.now();
      // Until ingress answers 202 again, then a few seconds more of steady ingest.
      await waitFor(async () => ingest.results.some((r) => r.status === 202 && r.startedAt > upAt), {
        timeoutMs: 30_000,
        what: 'ingress to accept again',
      });
      const recoveredAt = ingest.results
        .filter((r) => r.status === 202 && r.startedAt > upAt)
        .map((r) => r.finishedAt)
        .sort()[0]!;
      await sleep(3_000);
      const results = await ingest.stop();

      // Every answer is a 202 or a 503 problem with Retry-After; a request sent while the server was down is never a 202.
      const byStatus = (status: number) => results.filter((r) => r.status === status);
      const unexpected = results.filter((r) => r.status !== 202 && r.status !== 503);
      expect(unexpected, JSON.stringify(unexpected.slice(0, 3))).toEqual([]);
      for (const r of byStatus(503)) {
        expect(r.retryAfter).toMatch(/^\d+$/);
        expect(r.contentType).toContain('application/problem+json');
      }
      const acceptedWhileDown = results.filter(
        (r) => r.status === 202 && r.startedAt >= downAt && r.finishedAt <= restartingAt,
      );
      expect(acceptedWhileDown).toEqual([]);
      expect(byStatus(503).length).toBeGreaterThan(0);

      // The partner retries every 503 after the outage (as Retry-After asks): 202, or 200 duplicate when Temporal had in fact taken it.
      const retried: IngestResult[] = [];
      for (const refused of byStatus(503))
        retried.push(
          await sendCourierEvent(
            { baseUrl: stack!.url, sourceId: source.id, secret: source.secret },
            refused.idempotencyKey,
          ),
        );
      expect(
        retried.every((r) => r.status === 202 || (r.status === 200 && r.duplicate === true)),
        JSON.stringify(retried.filter((r) => r.status !== 202 && r.status !== 200)),
      ).toBe(true);

      const accepted = byStatus(202).map((r) => r.eventId!);
      const everyEvent = [...accepted, ...retried.map((r) => r.eventId!)];
      await waitFor(async () => everyEvent.every((id) => sink.byMessage(id).length > 0), {
        timeoutMs: 90_000,
        intervalMs: 500,
        what: 'every accepted event at the subscriber',
      });
      // Each 202 names a workflow that exists after the restart (nothing was acknowledged without one).
      const missingWorkflows: string[] = [];
      for (const r of byStatus(202)) {
        const described = await stack!.temporal.workflow
          .getHandle(`event:${source.id}:${r.idempotencyKey}`)
          .describe()
          .catch(() => undefined);
        if (!described) missingWorkflows.push(r.idempotencyKey);
      }
      expect(missingWorkflows).toEqual([]);

      const lastDeliveryAfterUp = Math.max(...sink.received.map((r) => r.at)) - upAt;
      const delivered = new Set(sink.received.map((r) => String(r.headers['webhook-id'])));
      const lost = accepted.filter((id) => !delivered.has(id));
      const duplicated = sink.received.length - delivered.size;
      const takenDespite503 = retried.filter((r) => r.status === 200).length;
      console.log(
        `[temporal-restart] sent ${results.length}: accepted ${accepted.length}, 503 ${byStatus(503).length} (retried after: ${retried.length - takenDespite503} accepted, ${takenDespite503} duplicate — Temporal had taken them), ` +
          `delivered ${delivered.size}/${everyEvent.length}, lost ${lost.length}, duplicated ${duplicated}; ` +
          `stop took ${downAt - stoppedAt} ms, down ${restartingAt - downAt} ms, restart took ${upAt - restartingAt} ms, ingress recovered ${recoveredAt - upAt} ms and the last delivery landed ${lastDeliveryAfterUp} ms after the server was up`,
      );
      expect(lost).toEqual([]);
      expect(duplicated).toBe(0);
    },
  );
});
