import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import { createCourierSource, fastRetries, subscribe } from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';
import { killProcess, spawnWorkerProcess } from '../helpers/worker-process.js';

const env = { ...fastRetries, DELIVERY_TIMEOUT_MS: '1000' };
let stack: TestStack;
let sinks: Sink[] = [];
let worker: ChildProcess | undefined;

beforeAll(async () => {
  stack = await startTestStack(env, { worker: false });
  // Slow-ish subscribers keep deliveries in flight when the worker dies.
  sinks = await Promise.all(
    [0, 1].map(() =>
      startSink(async () => {
        await new Promise((r) => setTimeout(r, 20));
        return { status: 200 };
      }),
    ),
  );
});
afterAll(async () => {
  if (worker) await killProcess(worker);
  await stack?.stop();
  await Promise.all(sinks.map((s) => s.close()));
});

describe('a worker killed with SIGKILL mid-burst', () => {
  it(
    'loses nothing: after a new worker starts, every accepted event is delivered to every subscriber',
    { timeout: 180_000 },
    async () => {
      const source = await createCourierSource(stack);
      for (const sink of sinks) await subscribe(stack, sink.url, source.id);
      worker = await spawnWorkerProcess(stack.config, env);

      const accepted: string[] = [];
      const sending = (async () => {
        for (let batch = 0; batch < 10; batch++) {
          const results = await Promise.all(Array.from({ length: 20 }, () => source.send()));
          accepted.push(...results.map((r) => r.eventId));
        }
      })();
      await waitFor(async () => sinks[0]!.received.length >= 20, { what: 'deliveries to be under way' });
      await killProcess(worker, 'SIGKILL');
      await sending;
      worker = await spawnWorkerProcess(stack.config, env);

      await waitFor(
        async () => sinks.every((s) => new Set(s.received.map((r) => r.headers['webhook-id'])).size >= accepted.length),
        { timeoutMs: 150_000, intervalMs: 500, what: 'every event at every subscriber' },
      );
      for (const sink of sinks) {
        const ids = new Set(sink.received.map((r) => r.headers['webhook-id']));
        expect(accepted.every((id) => ids.has(id))).toBe(true);
      }
      const deadLetters = await manage(stack, 'GET', `/v1/dead-letters?sourceId=${source.id}`);
      expect(deadLetters.body.data).toEqual([]);
      const duplicates = sinks.reduce(
        (n, s) => n + s.received.length - new Set(s.received.map((r) => r.headers['webhook-id'])).size,
        0,
      );
      // At-least-once across a crash: receivers dedupe by webhook-id; report how many the crash caused.
      console.log(
        `[worker-crash] ${accepted.length} events × ${sinks.length} subscribers delivered; ${duplicates} redelivered after the crash`,
      );
    },
  );
});
