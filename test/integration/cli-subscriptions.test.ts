import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

// Subscription CRUD touches only the API and PostgreSQL: no deliveries, so no worker.
let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
});
afterAll(() => stack?.stop());

const target = 'http://127.0.0.1:9/hooks';
// The suite's tests share one database: a subscription to every source would receive (and retry
// forever against `target`) every other test's events. Each one here takes a source nobody sends from.
const scope = `src_cli_subscriptions_${process.pid}`;
/** Where nothing listens: a command that reached the API would exit 3 (unreachable), not 2. */
const nowhere = { url: 'http://127.0.0.1:1', managementKey: 'x' };

async function json(args: string[]): Promise<any> {
  const run = await runCli(stack, [...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

const createFifo = () =>
  json([
    'subscriptions',
    'create',
    target,
    '--sources',
    scope,
    '--retry-schedule',
    '1s,2s',
    '--jitter',
    '10',
    '--ordering',
    'fifo',
    '--ordering-key-pointer',
    '/data/orderId',
  ]);

describe('hookflow subscriptions with delivery policies', () => {
  it('creates a subscription with a retry schedule and FIFO ordering, and shows it back', async () => {
    const created = await createFifo();
    const policy = {
      retryPolicy: { schedule: ['1s', '2s'], jitter: 10 },
      maxInFlight: null,
      ordering: 'fifo',
      orderingKey: { pointer: '/data/orderId' },
      onDeadLetter: 'block',
    };
    expect(created).toMatchObject({ url: target, ...policy, secret: expect.stringMatching(/^whsec_/) });
    const shown = await json(['subscriptions', 'show', created.id]);
    expect(shown).toMatchObject({ id: created.id, url: target, ...policy });
    expect(shown).not.toHaveProperty('secret');

    const table = await runCli(stack, ['subscriptions', 'show', created.id]);
    expect(table.stdout).toContain(`id: ${created.id}\n`);
    // jsonb keeps its own key order, so the table line is matched by its parts.
    expect(table.stdout).toMatch(/^retryPolicy: \{.*"schedule":\["1s","2s"\]/m);
    expect(table.stdout).toMatch(/^retryPolicy: \{.*"jitter":10\b/m);
    expect(table.stdout).toContain('orderingKey: {"pointer":"/data/orderId"}\n');
    const listed = await runCli(stack, ['subscriptions', 'list']);
    expect(listed.stdout).toMatch(/^ID\s.*\sORDERING\s/);
    expect(listed.stdout).toMatch(new RegExp(`^${created.id}\\s.*\\sfifo\\b`, 'm'));
  });

  it('updates only the fields given, and --default-retry resets the retry policy', async () => {
    const created = await createFifo();
    const updated = await json([
      'subscriptions',
      'update',
      created.id,
      '--retry-max-attempts',
      '4',
      '--retry-initial',
      '2s',
      '--on-dead-letter',
      'skip',
    ]);
    expect(updated).toMatchObject({
      url: target,
      eventTypes: ['*'],
      retryPolicy: { maximumAttempts: 4, initialInterval: '2s' },
      ordering: 'fifo',
      orderingKey: { pointer: '/data/orderId' },
      onDeadLetter: 'skip',
    });
    expect(Object.keys(updated.retryPolicy).sort()).toEqual(['initialInterval', 'maximumAttempts']);

    const rekeyed = await json([
      'subscriptions',
      'update',
      created.id,
      '--ordering-key-header',
      'X-Shopify-Shop-Domain',
    ]);
    expect(rekeyed).toMatchObject({ orderingKey: { header: 'X-Shopify-Shop-Domain' }, onDeadLetter: 'skip' });

    const reset = await json(['subscriptions', 'update', created.id, '--default-retry']);
    expect(reset).toMatchObject({
      retryPolicy: null,
      ordering: 'fifo',
      orderingKey: { header: 'X-Shopify-Shop-Domain' },
    });
    expect((await json(['subscriptions', 'show', created.id])).retryPolicy).toBeNull();

    const unordered = await json(['subscriptions', 'create', target, '--sources', scope, '--max-in-flight', '2']);
    expect(
      await json(['subscriptions', 'update', unordered.id, '--max-in-flight', '3', '--ordering', 'none']),
    ).toMatchObject({ maxInFlight: 3, ordering: 'none', orderingKey: null, retryPolicy: null });
  });

  it('refuses a retry schedule mixed with exponential flags with exit 2, before calling the API', async () => {
    const create = await runCli(nowhere, [
      'subscriptions',
      'create',
      target,
      '--retry-schedule',
      '5s',
      '--retry-initial',
      '1s',
    ]);
    expect(create.code).toBe(2);
    expect(create.stderr).toMatch(/--retry-schedule cannot be combined with --retry-initial/);
    const update = await runCli(nowhere, ['subscriptions', 'update', 'sub_x', '--jitter', '5', '--retry-backoff', '2']);
    expect(update.code).toBe(2);
    const reset = await runCli(nowhere, [
      'subscriptions',
      'update',
      'sub_x',
      '--default-retry',
      '--retry-schedule',
      '5s',
    ]);
    expect(reset.code).toBe(2);
  });

  it("exits 1 with the API's 400 detail for values the API refuses", async () => {
    const jitter = await runCli(stack, ['subscriptions', 'create', target, '--retry-schedule', '5s', '--jitter', '80']);
    expect(jitter.code).toBe(1);
    expect(jitter.stderr).toMatch(/^error: 400 Invalid request: .*jitter/m);

    const created = await createFifo();
    const unordered = await runCli(stack, ['subscriptions', 'update', created.id, '--ordering', 'none']);
    expect(unordered.code).toBe(1);
    expect(unordered.stderr).toMatch(/400 .*orderingKey needs ordering: "fifo"/);
    expect((await json(['subscriptions', 'show', created.id])).ordering).toBe('fifo');
  });

  it('deletes a subscription; showing it afterwards exits 1 with 404', async () => {
    const created = await createFifo();
    const deleted = await runCli(stack, ['subscriptions', 'delete', created.id]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe(`deleted ${created.id}\n`);
    const shown = await runCli(stack, ['subscriptions', 'show', created.id]);
    expect(shown.code).toBe(1);
    expect(shown.stderr).toMatch(/404/);
    expect((await runCli(stack, ['subscriptions', 'delete', created.id])).code).toBe(1);
  });
  it('undoes per-key FIFO and lifts an in-flight cap with --clear-ordering-key and --max-in-flight none', async () => {
    const created = await createFifo();
    const plain = await json(['subscriptions', 'update', created.id, '--clear-ordering-key', '--ordering', 'none']);
    expect(plain).toMatchObject({ ordering: 'none', orderingKey: null });
    const capped = await json(['subscriptions', 'update', created.id, '--max-in-flight', '4']);
    expect(capped.maxInFlight).toBe(4);
    const uncapped = await json(['subscriptions', 'update', created.id, '--max-in-flight', 'none']);
    expect(uncapped.maxInFlight).toBeNull();
  });
});
