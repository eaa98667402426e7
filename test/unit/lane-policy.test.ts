import { describe, expect, it } from 'vitest';
import {
  lanePolicyFor,
  orderingKeyHash,
  retryPlanFor,
  type SubscriptionPolicy,
} from '../../src/delivery/lane-policy.js';
import { attemptsOf, delayAfterAttempt, jittered, longestDelayOf } from '../../src/domain/delivery-policy.js';
import { retryPolicyAfter } from '../../src/workflows/retry-plan.js';

const defaults = { initialIntervalMs: 5_000, backoffCoefficient: 2, maximumIntervalMs: 3_600_000, maximumAttempts: 32 };
const event = {
  payload: { data: { orderId: 'o-1' } },
  headers: { 'x-shopify-shop-domain': 'shop.example' },
  receivedAt: new Date('2026-12-01T10:00:00Z'),
};
const subscription = (overrides: Partial<SubscriptionPolicy> = {}): SubscriptionPolicy => ({
  id: 'sub_1',
  retryPolicy: null,
  maxInFlight: null,
  ordering: 'none',
  orderingKey: null,
  onDeadLetter: 'block',
  ...overrides,
});

describe('retryPlanFor', () => {
  it('leaves the defaults alone when the subscription has no policy', () => {
    expect(retryPlanFor(null, defaults)).toBeUndefined();
  });
  it('resolves a schedule to milliseconds with its jitter', () => {
    expect(retryPlanFor({ schedule: ['5s', '5m', '2h'], jitter: 10 }, defaults)).toEqual({
      schedule: { delaysMs: [5_000, 300_000, 7_200_000], jitterPercent: 10 },
    });
  });
  it('fills the exponential fields the subscription leaves out from the defaults', () => {
    expect(retryPlanFor({ initialInterval: '1s', maximumAttempts: 3 }, defaults)).toEqual({
      exponential: {
        initialIntervalMs: 1_000,
        backoffCoefficient: 2,
        maximumIntervalMs: 3_600_000,
        maximumAttempts: 3,
      },
    });
  });
});

describe('schedules and backoff', () => {
  const schedule = { schedule: { delaysMs: [1_000, 2_000, 3_000], jitterPercent: 0 } };
  it.each([
    [1, 1_000],
    [2, 2_000],
    [3, 3_000],
    [9, 3_000],
  ])('waits the scheduled delay after attempt %i', (attempt, delay) => {
    expect(delayAfterAttempt(schedule, attempt, Math.random)).toBe(delay);
  });
  it('counts one attempt more than the schedule has delays, and caps Retry-After by its longest delay', () => {
    expect(attemptsOf(schedule)).toBe(4);
    expect(longestDelayOf(schedule)).toBe(3_000);
  });
  it('keeps a jittered delay within ± the percent', () => {
    expect(jittered(10_000, 10, () => 0)).toBe(9_000);
    expect(jittered(10_000, 10, () => 0.999_999)).toBe(11_000);
    expect(jittered(10_000, 0, () => 0)).toBe(10_000);
  });
  it('goes on where a local first attempt left the plan', () => {
    const exponential = {
      exponential: { initialIntervalMs: 1_000, backoffCoefficient: 2, maximumIntervalMs: 5_000, maximumAttempts: 5 },
    };
    expect(retryPolicyAfter(exponential, 0)).toMatchObject({ maximumAttempts: 5, initialInterval: 1_000 });
    expect(retryPolicyAfter(exponential, 1)).toMatchObject({ maximumAttempts: 4, initialInterval: 2_000 });
    expect(retryPolicyAfter(exponential, 4)).toMatchObject({ maximumAttempts: 1, initialInterval: 5_000 });
    expect(retryPolicyAfter(schedule, 1)).toMatchObject({
      maximumAttempts: 3,
      initialInterval: 2_000,
      backoffCoefficient: 1,
    });
  });
});

describe('lanePolicyFor', () => {
  it('asks for no admission without maxInFlight or ordering', () => {
    expect(lanePolicyFor(subscription(), event, defaults)).toEqual({});
  });
  it('caps through one dispatcher per subscription with maxInFlight', () => {
    expect(lanePolicyFor(subscription({ maxInFlight: 3 }), event, defaults).admission).toEqual({
      dispatcherId: 'dispatcher:sub_1',
      maxInFlight: 3,
      fifo: false,
      onDeadLetter: 'block',
      receivedAt: '2026-12-01T10:00:00.000Z',
    });
  });
  it('orders FIFO one at a time, per key when the subscription has an ordering key', () => {
    const fifo = lanePolicyFor(
      subscription({ ordering: 'fifo', orderingKey: { pointer: '/data/orderId' }, onDeadLetter: 'skip' }),
      event,
      defaults,
    );
    expect(fifo.admission).toMatchObject({ maxInFlight: 1, fifo: true, onDeadLetter: 'skip' });
    expect(fifo.admission!.dispatcherId).toBe(
      `dispatcher:sub_1:${orderingKeyHash({ pointer: '/data/orderId' }, event)}`,
    );
  });
  it('gives equal keys the same queue and different keys different ones, from a pointer or a header', () => {
    const other = { ...event, payload: { data: { orderId: 'o-2' } } };
    expect(orderingKeyHash({ pointer: '/data/orderId' }, event)).toBe(
      orderingKeyHash({ pointer: '/data/orderId' }, { ...event }),
    );
    expect(orderingKeyHash({ pointer: '/data/orderId' }, event)).not.toBe(
      orderingKeyHash({ pointer: '/data/orderId' }, other),
    );
    expect(orderingKeyHash({ header: 'X-Shopify-Shop-Domain' }, event)).toMatch(/^[0-9a-f]{16}$/);
  });
});
