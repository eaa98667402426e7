import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { spawnApiProcess } from '../helpers/api-process.js';
import { createCourierSource, fastRetries, subscribe, waitForDeliveryStatus } from '../helpers/delivery-fixtures.js';
import { courierEnvelope, postHmacWebhook } from '../helpers/send.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { killProcess, spawnWorkerProcess } from '../helpers/worker-process.js';

let stack: TestStack;
let slow: Sink;
beforeAll(async () => {
  stack = await startTestStack(fastRetries, { worker: false });
  slow = await startSink(async () => {
    await new Promise((r) => setTimeout(r, 2_000));
    return { status: 200 };
  });
});
afterAll(async () => {
  await stack?.stop();
  await slow?.close();
});

describe('graceful shutdown', () => {
  it(
    'API: SIGTERM during a burst — every request either completed normally or was refused unread; no acknowledged event is lost',
    { timeout: 90_000 },
    async () => {
      const source = await createCourierSource(stack);
      const api = await spawnApiProcess(stack.config, stack.managementKey);
      onTestFinished(() => killProcess(api.child));
      const outcomes: { status?: number; workflowId?: string; error?: string }[] = [];
      let stop = false;
      const client = async () => {
        while (!stop) {
          try {
            const response = await postHmacWebhook(api.url, source.id, source.secret, courierEnvelope());
            const body = await response.json();
            outcomes.push({ status: response.status, workflowId: body.workflowId });
          } catch (error) {
            outcomes.push({ error: String((error as Error & { cause?: Error }).cause?.message ?? error) });
            if (api.child.exitCode !== null) return;
          }
        }
      };
      const clients = Array.from({ length: 20 }, client);
      await new Promise((r) => setTimeout(r, 1_000));
      const exited = new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)));
      api.child.kill('SIGTERM');
      const exitCode = await exited;
      stop = true;
      await Promise.all(clients);

      expect(exitCode).toBe(0);
      expect(api.output()).toContain('"shutdown_complete"');
      const answered = outcomes.filter((o) => o.status !== undefined);
      const refused = outcomes.filter((o) => o.error !== undefined);
      expect(answered.length).toBeGreaterThan(20);
      // Every answer is a normal one: 202 (never a 5xx or a half-written response).
      expect(new Set(answered.map((o) => o.status))).toEqual(new Set([202]));
      for (const error of refused)
        expect(error.error).toMatch(/ECONNREFUSED|ECONNRESET|other side closed|socket hang up|fetch failed/);
      // Nothing acknowledged was lost: each 202 names a workflow that exists in Temporal.
      for (const { workflowId } of answered)
        await expect(stack.temporal.workflow.getHandle(workflowId!).describe()).resolves.toBeDefined();
      console.log(`[graceful-api] ${answered.length} answered 202, ${refused.length} refused after SIGTERM`);
    },
  );

  it(
    'worker: SIGTERM lets an in-flight delivery finish within the drain timeout, then exits cleanly',
    { timeout: 90_000 },
    async () => {
      const source = await createCourierSource(stack);
      await subscribe(stack, slow.url, source.id);
      const worker = await spawnWorkerProcess(stack.config, fastRetries);
      try {
        const { eventId } = await source.send();
        await new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (slow.received.some((r) => r.headers['webhook-id'] === eventId)) {
              clearInterval(check);
              resolve();
            }
          }, 20);
        });
        const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
        worker.kill('SIGTERM');
        expect(await exited).toBe(0);
        const detail = await waitForDeliveryStatus(stack, eventId, 'delivered', 5_000);
        expect(detail.deliveries[0].attempts).toHaveLength(1);
        expect(slow.byMessage(eventId)).toHaveLength(1);
      } finally {
        await killProcess(worker);
      }
    },
  );
});
