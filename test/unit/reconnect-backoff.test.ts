import { describe, expect, it } from 'vitest';
import { RECONNECT_BACKOFF_MAX_S, reconnectBackoff } from '../../src/db/client.js';

describe('reconnectBackoff', () => {
  it('starts at 50 ms and doubles with each failure of the pool', () => {
    const top = (failures: number) => reconnectBackoff(failures, () => 1);
    expect([0, 1, 2, 3, 4].map(top)).toEqual([0.05, 0.1, 0.2, 0.4, 0.8]);
  });

  it('never waits more than a second, however many connections failed at once', () => {
    for (const failures of [5, 20, 100, 10_000])
      expect(reconnectBackoff(failures, () => 1)).toBe(RECONNECT_BACKOFF_MAX_S);
  });

  it('jitters each wait down to half, so a pool does not reconnect in lockstep', () => {
    expect(reconnectBackoff(30, () => 0)).toBe(RECONNECT_BACKOFF_MAX_S / 2);
    expect(reconnectBackoff(1, () => 0.5)).toBeCloseTo(0.075);
  });
});
