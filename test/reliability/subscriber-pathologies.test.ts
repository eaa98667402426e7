import dns, { type LookupAddress } from 'node:dns';
import { createServer, type Server } from 'node:http';
import { syncBuiltinESMExports } from 'node:module';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import {
  createCourierSource,
  fastRetries,
  subscribe,
  waitForDeadLetter,
  waitForDeliveryStatus,
} from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

// Every case goes through the real pipeline: ingress → eventWorkflow → deliveryWorkflow → deliverWebhook.
// The HTTP client's own limits (timeout, 64 KiB cap, no redirects) are unit-tested in test/unit/http-client.test.ts.
const TIMEOUT_MS = 1_000;
let stack: TestStack;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  stack = await startTestStack({ ...fastRetries, DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS) });
});
afterAll(async () => {
  await stack?.stop();
  await Promise.all(closers.map((close) => close()));
});

async function sink(respond?: Sink['respond']) {
  const s = await startSink(respond);
  closers.push(() => s.close());
  return s;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

type Attempt = {
  attempt: number;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  responseExcerpt: string | null;
};

describe('subscriber pathologies, through the delivery pipeline', () => {
  it('uses a 15 s per-attempt timeout unless configured otherwise', () => {
    expect(loadConfig({}).DELIVERY_TIMEOUT_MS).toBe(15_000);
  });

  it('records an endpoint that never answers as a timed-out attempt, retries it, and delivers once it answers', async () => {
    // First request: headers never come back (the socket stays open); afterwards: 200.
    const target = await sink((_, seen) => (seen === 0 ? new Promise(() => {}) : { status: 200 }));
    const source = await createCourierSource(stack);
    await subscribe(stack, target.url, source.id);
    const { eventId } = await source.send();

    const detail = await waitForDeliveryStatus(stack, eventId, 'delivered', 30_000);
    const attempts = detail.deliveries[0].attempts as Attempt[];
    expect(attempts.map((a) => a.statusCode)).toEqual([null, 200]);
    expect(attempts[0]!.error).toMatch(new RegExp(`within ${TIMEOUT_MS} ms`));
    expect(attempts[0]!.durationMs).toBeGreaterThanOrEqual(TIMEOUT_MS);
    expect(attempts[0]!.durationMs).toBeLessThan(TIMEOUT_MS + 2_000);
    expect(target.byMessage(eventId)).toHaveLength(2);
  });

  it('cuts an endless 200 body, keeps at most 1 KiB of it, and counts the delivery as delivered without waiting for the timeout', async () => {
    let bytesWritten = 0;
    let cutOff = false;
    const ids: string[] = [];
    const endless = createServer((req, res) => {
      ids.push(String(req.headers['webhook-id']));
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      // Writes as fast as the client reads, forever (bounded at 64 MiB so a broken client cannot hang the test).
      const pump = () => {
        let room = true;
        while (room && !res.destroyed && bytesWritten < 64 * 1024 * 1024) {
          room = res.write(chunk);
          bytesWritten += chunk.length;
        }
      };
      res.on('drain', pump);
      res.on('close', () => (cutOff = true));
      pump();
    });
    const url = await listen(endless);
    const source = await createCourierSource(stack);
    await subscribe(stack, url, source.id);
    const { eventId } = await source.send();

    const detail = await waitForDeliveryStatus(stack, eventId, 'delivered', 30_000);
    const attempts = detail.deliveries[0].attempts as Attempt[];
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ statusCode: 200, error: null });
    expect(Buffer.byteLength(attempts[0]!.responseExcerpt ?? '')).toBeGreaterThan(0);
    expect(Buffer.byteLength(attempts[0]!.responseExcerpt ?? '')).toBeLessThanOrEqual(1024);
    expect(attempts[0]!.durationMs).toBeLessThan(TIMEOUT_MS);
    await waitFor(async () => cutOff, { timeoutMs: 5_000, what: 'the worker to hang up on the endless body' });
    expect(ids).toEqual([eventId]);
    // What the server managed to push before the hang-up: the 64 KiB read plus socket buffers, far from the 64 MiB bound.
    console.log(
      `[subscriber-pathologies] endless body: server wrote ${(bytesWritten / 1024).toFixed(0)} KiB before the worker hung up; attempt took ${attempts[0]!.durationMs} ms`,
    );
    expect(bytesWritten).toBeLessThan(64 * 1024 * 1024);
  });

  it('does not follow a 302 to a private address: the delivery dead-letters as rejected_by_endpoint and the redirect target sees nothing', async () => {
    const internal = await sink();
    const redirecting = await sink(() => ({ status: 302, headers: { location: `${internal.url}/admin` } }));
    const source = await createCourierSource(stack);
    const subscription = await subscribe(stack, redirecting.url, source.id);
    const { eventId } = await source.send();

    const deadLetter = await waitForDeadLetter(stack, subscription.id, eventId);
    expect(deadLetter).toMatchObject({ reason: 'rejected_by_endpoint', attempts: 1 });
    const detail = await manage(stack, 'GET', `/v1/events/${eventId}`);
    expect((detail.body.deliveries[0].attempts as Attempt[]).map((a) => a.statusCode)).toEqual([302]);
    expect(redirecting.byMessage(eventId)).toHaveLength(1);
    expect(internal.received).toHaveLength(0);
  });
});

describe('DNS rebinding (private targets disallowed)', () => {
  // A hostname that resolves to a public address on its first lookup and to loopback afterwards.
  // No DNS server is needed: Node's resolver entry point (dns.lookup, dns.promises.lookup) is
  // replaced for this one name, which is exactly the function the delivery's socket calls at connect time.
  const HOST = 'rebind.hookflow.test';
  const PUBLIC = '93.184.216.34';
  const answers: string[] = [];
  const original = { lookup: dns.lookup, promisesLookup: dns.promises.lookup };
  let guarded: TestStack;

  const nextAnswer = () => {
    const address = answers.length === 0 ? PUBLIC : '127.0.0.1';
    answers.push(address);
    return address;
  };

  beforeAll(async () => {
    guarded = await startTestStack({ ...fastRetries, ALLOW_PRIVATE_TARGETS: 'false' });
    const lookup = ((hostname: string, options: unknown, callback: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (
        error: Error | null,
        address: string | LookupAddress[],
        family?: number,
      ) => void;
      const opts = (typeof options === 'object' && options !== null ? options : {}) as { all?: boolean };
      if (hostname !== HOST) return (original.lookup as (...args: unknown[]) => void)(hostname, options, callback);
      const address = nextAnswer();
      process.nextTick(() => (opts.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4)));
    }) as typeof dns.lookup;
    const promisesLookup = (async (hostname: string, options?: { all?: boolean }) => {
      if (hostname !== HOST) return original.promisesLookup(hostname, options as never);
      const address = nextAnswer();
      return options?.all ? [{ address, family: 4 }] : { address, family: 4 };
    }) as typeof dns.promises.lookup;
    dns.lookup = lookup;
    dns.promises.lookup = promisesLookup;
    syncBuiltinESMExports();
  });
  afterAll(async () => {
    dns.lookup = original.lookup;
    dns.promises.lookup = original.promisesLookup;
    syncBuiltinESMExports();
    await guarded?.stop();
  });

  it('accepts the subscription while the name resolves publicly, then refuses the delivery at connect time as blocked_target', async () => {
    const internal = await sink();
    const source = await createCourierSource(guarded);
    const url = `http://${HOST}:${new URL(internal.url).port}/hook`;
    const created = await manage(guarded, 'POST', '/v1/subscriptions', { url, sourceIds: [source.id] });
    expect(created.status, created.text).toBe(201);
    expect(answers).toEqual([PUBLIC]);

    const { eventId } = await source.send();
    const deadLetter = await waitForDeadLetter(guarded, created.body.id, eventId);
    expect(deadLetter).toMatchObject({ reason: 'blocked_target', attempts: 1 });
    // The guard checked the address the socket was about to use, resolved when it connected.
    expect(answers).toEqual([PUBLIC, '127.0.0.1']);
    expect(internal.received).toHaveLength(0);
  });
});
