import { describe, expect, it } from 'vitest';
import { runTransform, TransformFailed, transformIssue } from '../../src/delivery/transform.js';

const envelope = {
  id: 'evt_1',
  type: 'order.created',
  source: 'shop',
  timestamp: '2026-12-07T00:00:00.000Z',
  data: { order: { id: 'ord_1', total: 150, lines: [{ sku: 'A', qty: 2 }] } },
};
const limits = { timeoutMs: 50 };

describe('transformations', () => {
  it('takes a bare value as the body', async () => {
    expect(await runTransform('{ "orderId": data.order.id, "amount": data.order.total }', envelope, limits)).toEqual({
      body: { orderId: 'ord_1', amount: 150 },
      headers: {},
      cancelled: false,
    });
    expect((await runTransform('data.order.lines.sku', envelope, limits)).body).toBe('A');
  });

  it('reads { body, headers } and { cancel: true }', async () => {
    expect(
      await runTransform('{ "body": data.order, "headers": { "x-order": data.order.id } }', envelope, limits),
    ).toEqual({ body: envelope.data.order, headers: { 'x-order': 'ord_1' }, cancelled: false });
    expect(await runTransform('data.order.total < 200 ? { "cancel": true } : $', envelope, limits)).toEqual({
      body: null,
      headers: {},
      cancelled: true,
    });
  });

  it('fails on an error, an empty result, a reserved header, runaway recursion and a timeout', async () => {
    await expect(runTransform('$error("nope")', envelope, limits)).rejects.toThrow(/nope/);
    await expect(runTransform('data.missing', envelope, limits)).rejects.toThrow('produced no value');
    await expect(
      runTransform('{ "body": 1, "headers": { "webhook-signature": "x" } }', envelope, limits),
    ).rejects.toThrow(TransformFailed);
    // Not a tail call, so every level stays on the stack until the depth limit.
    await expect(
      runTransform('($f := function($x) { 1 + $f($x + 1) }; $f(0))', envelope, { timeoutMs: 60_000 }),
    ).rejects.toThrow(/D1011/);
    await expect(
      runTransform('($loop := function($n) { $n > 1e12 ? $n : $loop($n + 1) }; $loop(0))', envelope, { timeoutMs: 20 }),
    ).rejects.toThrow(/D1012/);
  });

  it('runs regular expressions on RE2, so a catastrophic pattern stays linear', async () => {
    // JavaScript's backtracking engine would not finish this in minutes; the test's own timeout is the bound.
    const out = await runTransform('$contains(data.s, /^(a+)+$/)', { data: { s: `${'a'.repeat(30_000)}!` } }, limits);
    expect(out.body).toBe(false);
    expect((await runTransform('$replace(data.s, /b+/, "-")', { data: { s: 'abbbcb' } }, limits)).body).toBe('a-c-');
  });

  it('names the syntax error of an expression that cannot be stored', () => {
    expect(transformIssue('{ "a": ')).toMatch(/not a valid JSONata expression: S\d+/);
    expect(transformIssue('data.order')).toBeUndefined();
  });
});
