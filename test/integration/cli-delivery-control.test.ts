// The delivery controls through the `hookflow` CLI: filter, transform and circuit-breaker flags,
// filter-test and transform-test, pause and resume, and a recovery followed until it is done.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createCourierSource, fastRetries, subscribe, waitForDeliveryStatus } from '../helpers/delivery-fixtures.js';
import { sinkPool } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
const sinks = sinkPool();
beforeAll(async () => {
  stack = await startTestStack(fastRetries);
});
afterAll(async () => {
  await stack?.stop();
  await sinks.closeAll();
});

// A source nobody sends from: these subscriptions must not receive other tests' events.
const scope = `src_cli_control_${process.pid}`;

async function json(args: string[]): Promise<any> {
  const run = await runCli(stack, [...args, '--json']);
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe('hookflow subscriptions: delivery controls', () => {
  it('sets a filter, a transform and a circuit breaker, tries them on a sample, and clears them', async () => {
    const created = await json([
      'subscriptions',
      'create',
      'http://127.0.0.1:9/hooks',
      '--sources',
      scope,
      '--event-types',
      'order.created',
      '--filter',
      '{"data.total":{"$gte":100}}',
      '--transform',
      '{ "cents": data.total * 100 }',
      '--circuit-breaker',
      '5,1m',
    ]);
    expect(created).toMatchObject({
      filter: { 'data.total': { $gte: 100 } },
      transform: '{ "cents": data.total * 100 }',
      circuitBreaker: { failureThreshold: 5, probeInterval: '1m' },
      circuit: 'closed',
    });
    expect(await json(['subscriptions', 'filter-test', created.id, '--payload', '{"total":20}'])).toEqual({
      matches: false,
      reasons: ['data.total $gte 100: does not hold (found 20)'],
    });
    expect(await json(['subscriptions', 'transform-test', created.id, '--payload', '{"total":2.5}'])).toEqual({
      body: { cents: 250 },
      headers: {},
      cancelled: false,
    });
    const cleared = await json([
      'subscriptions',
      'update',
      created.id,
      '--clear-filter',
      '--clear-transform',
      '--circuit-breaker',
      'off',
    ]);
    expect(cleared).toMatchObject({ filter: null, transform: null, circuitBreaker: null });

    const badJson = await runCli(stack, ['subscriptions', 'update', created.id, '--filter', '{nope']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('--filter must be JSON');
    const badOperator = await runCli(stack, ['subscriptions', 'update', created.id, '--filter', '{"a":{"$gtt":1}}']);
    expect(badOperator.code).toBe(1);
    expect(badOperator.stderr).toContain('/filter/a/$gtt');
  });

  it('pauses and resumes', async () => {
    const created = await json(['subscriptions', 'create', 'http://127.0.0.1:9/hooks', '--sources', scope]);
    expect((await json(['subscriptions', 'pause', created.id])).pausedAt).toEqual(expect.any(String));
    const resumed = await json(['subscriptions', 'resume', created.id]);
    expect(resumed.pausedAt).toBeNull();
    expect(resumed.released).toBe(0);
  });

  it('recovers a window and follows it until it is done', async () => {
    const source = await createCourierSource(stack);
    const sink = await sinks.start();
    const { id } = await subscribe(stack, sink.url, source.id);
    const sent = await Promise.all([source.send(), source.send(), source.send()]);
    for (const { eventId } of sent) await waitForDeliveryStatus(stack, eventId, 'delivered');
    const since = new Date(Date.now() - 10 * 60_000).toISOString();
    const run = await runCli(stack, ['subscriptions', 'recover', id, '--since', since, '--all', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('3 deliveries in the window');
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'completed', scanned: 3, redelivered: 3, done: true });
  });
});
