import { describe, expect, it } from 'vitest';
import { evaluateFilter, filterIssues, type FilterEnvelope } from '../../src/delivery/payload-filter.js';

const envelope: FilterEnvelope = {
  type: 'order.created',
  source: 'shop',
  data: {
    order: { id: 'ord_1', total: 150, currency: 'EUR', tags: ['vip', 'eu'] },
    items: [
      { sku: 'A-1', qty: 2 },
      { sku: 'B-7', qty: 1 },
    ],
    note: null,
  },
  headers: { 'x-shop-domain': 'eu.shop.example' },
};
const matches = (filter: Record<string, unknown>) => evaluateFilter(filter, envelope).matches;

describe('payload filters: evaluation', () => {
  it('compares with $eq (implicit too), $ne and the ordering operators on dotted paths', () => {
    expect(matches({ type: 'order.created' })).toBe(true);
    expect(matches({ 'data.order.currency': { $eq: 'EUR' } })).toBe(true);
    expect(matches({ 'data.order.currency': { $ne: 'EUR' } })).toBe(false);
    expect(matches({ 'data.order.total': { $gt: 100, $lte: 150 } })).toBe(true);
    expect(matches({ 'data.order.total': { $gt: 150 } })).toBe(false);
    expect(matches({ 'data.order.total': { $lt: '200' } })).toBe(false); // a number is not compared with a string
    expect(matches({ 'headers.x-shop-domain': 'eu.shop.example' })).toBe(true);
  });

  it('matches arrays by membership, through elements of arrays of objects, and by index', () => {
    expect(matches({ 'data.order.tags': 'vip' })).toBe(true);
    expect(matches({ 'data.order.tags': { $in: ['us', 'eu'] } })).toBe(true);
    expect(matches({ 'data.order.tags': { $nin: ['vip'] } })).toBe(false);
    expect(matches({ 'data.items.sku': 'B-7' })).toBe(true);
    expect(matches({ 'data.items.qty': { $gte: 2 } })).toBe(true);
    expect(matches({ 'data.items.1.sku': 'B-7' })).toBe(true);
    expect(matches({ 'data.items.0.sku': 'B-7' })).toBe(false);
  });

  it('tells present from absent with $exists (null is present)', () => {
    expect(matches({ 'data.note': { $exists: true } })).toBe(true);
    expect(matches({ 'data.order.coupon': { $exists: false } })).toBe(true);
    expect(matches({ 'data.order.coupon': { $exists: true } })).toBe(false);
  });

  it('combines with $and, $or and $not, at the top level and on a field', () => {
    expect(matches({ $or: [{ source: 'other' }, { 'data.order.total': { $gt: 100 } }] })).toBe(true);
    expect(matches({ $and: [{ source: 'shop' }, { type: 'order.refunded' }] })).toBe(false);
    expect(matches({ $not: { type: 'order.created' } })).toBe(false);
    expect(matches({ 'data.order.total': { $not: { $gt: 200 } } })).toBe(true);
  });

  it('runs $regex with RE2 semantics and $options', () => {
    expect(matches({ 'data.order.id': { $regex: '^ord_\\d+$' } })).toBe(true);
    expect(matches({ 'data.order.currency': { $regex: '^eur$', $options: 'i' } })).toBe(true);
    expect(matches({ 'data.order.currency': { $regex: '^eur$' } })).toBe(false);
  });

  it('evaluates a pattern that backtracks catastrophically in JavaScript in linear time', () => {
    const subject = `${'a'.repeat(50_000)}!`;
    // JavaScript's backtracking engine would not finish this in minutes; the test's own timeout is the bound.
    const verdict = evaluateFilter({ 'data.s': { $regex: '^(a+)+$' } }, { ...envelope, data: { s: subject } });
    expect(verdict.matches).toBe(false);
  });

  it('says why: one reason per condition, with what it found', () => {
    const verdict = evaluateFilter({ type: 'order.created', 'data.order.total': { $gt: 500 } }, envelope);
    expect(verdict.matches).toBe(false);
    expect(verdict.reasons).toEqual([
      'type $eq "order.created": holds (found "order.created")',
      'data.order.total $gt 500: does not hold (found 150)',
    ]);
  });
});

describe('payload filters: validation', () => {
  it('accepts the documented operators', () => {
    expect(
      filterIssues({
        $or: [{ 'data.a': { $in: [1, 2] } }, { 'data.b': { $regex: 'x', $options: 'i' } }],
        'data.c': { $exists: true, $not: { $lt: 3 } },
      }),
    ).toEqual([]);
  });

  it('names the path of a bad operator or operand', () => {
    expect(filterIssues({ 'data.amount': { $gtt: 5 } })).toEqual([
      { path: '/data.amount/$gtt', message: expect.stringContaining('unknown operator $gtt') },
    ]);
    expect(filterIssues({ $or: [{ a: 1 }, { b: { $in: 'x' } }] })).toEqual([
      { path: '/$or/1/b/$in', message: expect.stringContaining('array') },
    ]);
    expect(filterIssues({ $where: 'x' })[0]!.path).toBe('/$where');
    expect(filterIssues({ a: { $regex: '(?<=x)y' } })[0]).toEqual({
      path: '/a/$regex',
      message: expect.stringContaining('not a valid RE2 pattern'),
    });
    expect(filterIssues({ a: { $options: 'i' } })[0]!.path).toBe('/a/$options');
    expect(filterIssues([1])).toEqual([{ path: '/', message: 'must be a JSON object' }]);
  });

  it('bounds a filter’s size, depth and regex length', () => {
    let deep: Record<string, unknown> = { a: 1 };
    for (let i = 0; i < 12; i += 1) deep = { $not: deep };
    expect(filterIssues(deep).some((i) => i.message.includes('deeper'))).toBe(true);
    expect(filterIssues({ a: { $regex: 'x'.repeat(600) } })[0]!.message).toContain('longer than');
    const wide = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`f${i}`, i]));
    expect(filterIssues(wide)[0]!.message).toContain('at most 100');
  });
});
