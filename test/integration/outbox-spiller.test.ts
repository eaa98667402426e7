import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { closeDatabase, openDatabase, type Database } from '../../src/db/client.js';
import { OUTBOX_CHANNEL, outboxNotice, type OutboxRowInput } from '../../src/db/ingress-outbox.js';
import { createOutboxSpiller } from '../../src/db/outbox-spiller.js';
import { events, ingressOutbox } from '../../src/db/schema.js';
import { eventIdFor } from '../../src/ids.js';

// The API's group commit of spills, against the suite's PostgreSQL: batched statements must keep
// every webhook's own answer (inserted or duplicate) and write each key exactly once.

let db: Database;
// A namespace of this file's own, so no relay of another test claims these rows.
const target = { namespace: `spiller-${randomUUID()}`, taskQueue: 'spiller' };
const sourceId = `src_spiller_${process.pid}`;

const webhook = (key: string, payload: unknown = { key }): OutboxRowInput => ({
  eventId: eventIdFor(sourceId, key),
  sourceId,
  idempotencyKey: key,
  eventType: 'order.paid',
  payload,
  payloadSha256: 'sha',
  headers: { 'content-type': 'application/json' },
  receivedAt: new Date().toISOString(),
  traceId: `trace-${key}`,
});

const outboxRows = () =>
  db
    .select()
    .from(ingressOutbox)
    .where(and(eq(ingressOutbox.temporalNamespace, target.namespace), eq(ingressOutbox.sourceId, sourceId)));

beforeAll(() => {
  db = openDatabase(inject('databaseUrl'), 10);
});
afterAll(async () => {
  await db.delete(ingressOutbox).where(eq(ingressOutbox.temporalNamespace, target.namespace));
  await db.delete(events).where(eq(events.sourceId, sourceId));
  await closeDatabase(db);
});

describe('spilling webhooks to the outbox in shared statements', () => {
  it('answers each of 1,000 concurrent spills (repeats and ledger keys among them) for itself and writes each key once', async () => {
    // 20 keys the ledger knows already (their events started before): duplicates, never written.
    const inLedger = Array.from({ length: 20 }, (_, i) => `ledger-${i}`);
    await db.insert(events).values(
      inLedger.map((key) => ({
        id: eventIdFor(sourceId, key),
        sourceId,
        idempotencyKey: key,
        eventType: 'order.paid',
        payload: {},
        payloadSha256: 'sha',
        receivedAt: new Date(),
        workflowId: `event:${sourceId}:${key}`,
        workflowRunId: 'run',
      })),
    );
    // Small statements so that one load makes many batches, some holding the same key twice.
    const spiller = createOutboxSpiller(db, target, { maxStatements: 3, maxRows: 50, maxBytes: 64 * 1024 });
    const unique = Array.from({ length: 800 }, (_, i) => `key-${i}`);
    const repeats = unique.filter((_, i) => i % 5 === 0); // 160 keys sent a second time, concurrently
    const keys = [...unique, ...repeats, ...inLedger, ...inLedger.slice(0, 20)].sort(() => Math.random() - 0.5);
    // One large webhook over maxBytes goes alone.
    const large = webhook('large', { blob: 'x'.repeat(100_000) });

    const answers = await Promise.all([
      ...keys.map(async (key) => ({ key, ...(await spiller.spill(webhook(key))) })),
      spiller.spill(large).then((answer) => ({ key: 'large', ...answer })),
    ]);

    const insertedPerKey = new Map<string, number>();
    for (const { key, inserted } of answers)
      insertedPerKey.set(key, (insertedPerKey.get(key) ?? 0) + (inserted ? 1 : 0));
    for (const key of [...unique, 'large']) expect(insertedPerKey.get(key), key).toBe(1);
    for (const key of inLedger) expect(insertedPerKey.get(key), key).toBe(0);
    expect(answers.filter((a) => !a.inserted)).toHaveLength(repeats.length + inLedger.length * 2);

    const rows = await outboxRows();
    expect(rows.map((row) => row.idempotencyKey).sort()).toEqual([...unique, 'large'].sort());
    const byKey = new Map(rows.map((row) => [row.idempotencyKey, row]));
    expect(byKey.get('key-7')).toMatchObject({
      eventId: eventIdFor(sourceId, 'key-7'),
      eventType: 'order.paid',
      payload: { key: 'key-7' },
      headers: { 'content-type': 'application/json' },
      traceId: 'trace-key-7',
      taskQueue: 'spiller',
    });
    expect((byKey.get('large')!.payload as { blob: string }).blob).toHaveLength(100_000);

    // A later spill of a key already in the outbox is its duplicate.
    expect(await spiller.spill(webhook('key-3'))).toEqual({ inserted: false });
  });

  it('notifies the relays of its namespace and task queue when it writes', async () => {
    const listener = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });
    try {
      let notified = 0;
      await listener.listen(OUTBOX_CHANNEL, (payload) => payload === outboxNotice(target) && notified++);
      const spiller = createOutboxSpiller(db, target);
      await spiller.spill(webhook(`notify-${randomUUID()}`));
      await expect.poll(() => notified, { timeout: 10_000 }).toBeGreaterThan(0);
    } finally {
      await listener.end({ timeout: 1 });
    }
  });

  it('rejects every webhook of a statement that fails, so none of them is acknowledged', async () => {
    const closed = openDatabase(inject('databaseUrl'), 1);
    await closeDatabase(closed);
    const spiller = createOutboxSpiller(closed, target);
    const results = await Promise.allSettled([spiller.spill(webhook('fail-1')), spiller.spill(webhook('fail-2'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((await outboxRows()).filter((row) => row.idempotencyKey.startsWith('fail-'))).toEqual([]);
  });
});
