import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import {
  createCourierSource,
  fastRetries,
  waitForDeadLetter,
  waitForDeliveryStatus,
} from '../helpers/delivery-fixtures.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';

let stack: TestStack;
let target: Sink;
let healthy = false;
beforeAll(async () => {
  stack = await startTestStack(fastRetries);
  target = await startSink(() => ({ status: healthy ? 200 : 410 }));
});
afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

describe('hookflow CLI for operators', () => {
  it(
    'creates subscriptions, lists and replays dead letters one by one and by filter, and shows events with attempts',
    { timeout: 90_000 },
    async () => {
      const source = await createCourierSource(stack);
      const created = await runCli(stack, [
        'subscriptions',
        'create',
        target.url,
        '--sources',
        source.id,
        '--event-types',
        'shipment.*',
        '--header',
        'x-tenant: acme',
        '--json',
      ]);
      expect(created.code, created.stderr).toBe(0);
      const subscription = JSON.parse(created.stdout);
      expect(subscription).toMatchObject({
        url: target.url,
        sourceIds: [source.id],
        eventTypes: ['shipment.*'],
        headers: { 'x-tenant': 'acme' },
        secret: expect.stringMatching(/^whsec_/),
      });
      expect((await runCli(stack, ['subscriptions', 'list'])).stdout).toContain(subscription.id);

      const sent = await Promise.all([source.send(), source.send(), source.send()]);
      for (const { eventId } of sent) await waitForDeadLetter(stack, subscription.id, eventId);
      const listed = await runCli(stack, ['dead-letters', 'list', '--subscription', subscription.id, '--json']);
      const dead = JSON.parse(listed.stdout) as { id: string; eventId: string }[];
      expect(dead).toHaveLength(3);
      expect((await runCli(stack, ['dead-letters', 'list', '--subscription', subscription.id])).stdout).toMatch(
        /rejected_by_endpoint/,
      );

      healthy = true;
      const one = await runCli(stack, ['replay', dead[0]!.id, '--json']);
      expect(one.code, one.stderr).toBe(0);
      await waitForDeliveryStatus(stack, dead[0]!.eventId, 'delivered');
      const many = await runCli(stack, ['replay', '--subscription', subscription.id, '--json']);
      expect(many.code, many.stderr).toBe(0);
      expect(JSON.parse(many.stdout)).toMatchObject({ matched: 2, replayed: 2, failed: [] });
      for (const { eventId } of sent) await waitForDeliveryStatus(stack, eventId, 'delivered');

      const shown = await runCli(stack, ['events', 'show', sent[1]!.eventId]);
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/delivery dlv_\w+ → sub_\w+: delivered/);
      expect(shown.stdout).toMatch(/^1\s+410/m);
      expect(shown.stdout).toMatch(/^2\s+200/m);
      expect(
        JSON.parse((await runCli(stack, ['events', 'show', sent[1]!.eventId, '--json'])).stdout).deliveries[0].attempts,
      ).toHaveLength(2);
    },
  );

  it('disables, enables and tests a subscription; exits 1 for an unknown id and 2 for a replay without target', async () => {
    const source = await createCourierSource(stack);
    const sub = JSON.parse(
      (await runCli(stack, ['subscriptions', 'create', target.url, '--sources', source.id, '--json'])).stdout,
    );
    expect(JSON.parse((await runCli(stack, ['subscriptions', 'disable', sub.id, '--json'])).stdout)).toMatchObject({
      enabled: false,
      disabledReason: 'manual',
    });
    expect(JSON.parse((await runCli(stack, ['subscriptions', 'enable', sub.id, '--json'])).stdout)).toMatchObject({
      enabled: true,
      disabledReason: null,
    });
    healthy = true;
    const test = JSON.parse((await runCli(stack, ['subscriptions', 'test', sub.id, '--json'])).stdout);
    await waitForDeliveryStatus(stack, test.eventId, 'delivered');
    const rotated = JSON.parse((await runCli(stack, ['subscriptions', 'rotate', sub.id, '--json'])).stdout);
    expect(rotated.secret).not.toBe(sub.secret);
    const missing = await runCli(stack, ['events', 'show', 'evt_nope']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/404/);
    expect((await runCli(stack, ['replay'])).code).toBe(2);
    const unreachable = await runCli({ url: 'http://127.0.0.1:1', managementKey: 'x' }, ['sources', 'list']);
    expect(unreachable.code).toBe(3);
  });
});
