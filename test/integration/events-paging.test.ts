import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createCourierSource, fastRetries, waitForDeadLetter } from '../helpers/delivery-fixtures.js';
import { manage } from '../helpers/management.js';
import { startSink, type Sink } from '../helpers/sink.js';
import { startTestStack, type TestStack } from '../helpers/stack.js';
import { waitFor } from '../helpers/wait.js';

let stack: TestStack;
let target: Sink;
beforeAll(async () => {
  stack = await startTestStack(fastRetries);
  target = await startSink(() => ({ status: 410 }));
});
afterAll(async () => {
  await stack?.stop();
  await target?.close();
});

describe('GET /v1/events', () => {
  it('pages newest first with a stable cursor: no duplicates or gaps while new events arrive, filters applied', async () => {
    const source = await createCourierSource(stack);
    const first = [];
    for (let i = 0; i < 12; i++) first.push(await source.send({ eventType: i % 2 ? 'parcel.lost' : 'parcel.found' }));
    await waitFor(
      async () => (await manage(stack, 'GET', `/v1/events?sourceId=${source.id}&limit=200`)).body.data.length === 12,
      { what: 'the 12 events in the log' },
    );

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await manage(
        stack,
        'GET',
        `/v1/events?sourceId=${source.id}&limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...page.body.data.map((e: { id: string }) => e.id));
      cursor = page.body.nextCursor;
      await source.send(); // arrives while paging: newer than every cursor, so never inside a later page
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(new Set(first.map((e) => e.eventId)));

    const lost = await manage(stack, 'GET', `/v1/events?sourceId=${source.id}&eventType=parcel.lost&limit=200`);
    expect(lost.body.data).toHaveLength(6);
    expect(lost.body.data.every((e: { eventType: string }) => e.eventType === 'parcel.lost')).toBe(true);
    const since = await manage(
      stack,
      'GET',
      `/v1/events?sourceId=${source.id}&since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`,
    );
    expect(since.body.data).toEqual([]);
    expect((await manage(stack, 'GET', `/v1/events?status=nonsense`)).status).toBe(400);
  });
});

describe('hookflow CLI: remaining commands', () => {
  it('lists events, shows and discards a dead letter, rotates a source secret', async () => {
    const source = await createCourierSource(stack);
    const sub = JSON.parse(
      (await runCli(stack, ['subscriptions', 'create', target.url, '--sources', source.id, '--json'])).stdout,
    );
    const { eventId } = await source.send();
    const dead = await waitForDeadLetter(stack, sub.id, eventId);

    const events = await runCli(stack, ['events', 'list', '--source', source.id, '--json']);
    expect(events.code, events.stderr).toBe(0);
    expect(JSON.parse(events.stdout).map((e: { id: string }) => e.id)).toContain(eventId);
    expect((await runCli(stack, ['events', 'list', '--source', source.id])).stdout).toMatch(/^ID\s+SOURCEID/m);

    const shown = await runCli(stack, ['dead-letters', 'show', dead.id, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ id: dead.id, reason: 'rejected_by_endpoint', status: 'open' });
    const discarded = await runCli(stack, ['dead-letters', 'discard', dead.id, '--json']);
    expect(JSON.parse(discarded.stdout)).toMatchObject({ id: dead.id, status: 'discarded' });
    expect((await runCli(stack, ['dead-letters', 'discard', dead.id])).code).toBe(1);

    const rotated = await runCli(stack, [
      'sources',
      'rotate',
      source.id,
      '--secret',
      'a-brand-new-secret-1',
      '--grace',
      '60',
      '--json',
    ]);
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(JSON.parse(rotated.stdout).previousSecretsValidUntil).toEqual(expect.any(String));
    expect(rotated.stdout).not.toContain('a-brand-new-secret-1');
  });
});
