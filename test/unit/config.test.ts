import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseDuration } from '../../src/domain/duration.js';

describe('config', () => {
  it('fills every default that .env.example documents', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      PORT: 3000,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'hookflow',
      NODE_ENV: 'development',
      DELIVERY_TIMEOUT_MS: 15_000,
      DELIVERY_RETRY_INITIAL_INTERVAL: 5_000,
      DELIVERY_RETRY_BACKOFF: 2,
      DELIVERY_RETRY_MAX_INTERVAL: 3_600_000,
      DELIVERY_RETRY_MAX_ATTEMPTS: 32,
      DEAD_LETTER_REPLAY_WINDOW: 7 * 86_400_000,
      SECRET_ROTATION_GRACE: 86_400_000,
      AUTO_DISABLE_AFTER: 5 * 86_400_000,
      AUTO_DISABLE_MIN_FAILURES: 10,
      RETENTION_DAYS: 30,
      ALLOW_PRIVATE_TARGETS: false,
      REQUIRE_HTTPS: false,
    });
  });

  it('parses durations and booleans', () => {
    const config = loadConfig({
      DELIVERY_RETRY_INITIAL_INTERVAL: '250ms',
      DEAD_LETTER_REPLAY_WINDOW: '10m',
      ALLOW_PRIVATE_TARGETS: 'true',
    });
    expect(config.DELIVERY_RETRY_INITIAL_INTERVAL).toBe(250);
    expect(config.DEAD_LETTER_REPLAY_WINDOW).toBe(600_000);
    expect(config.ALLOW_PRIVATE_TARGETS).toBe(true);
  });

  it('requires https and a management key in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/MANAGEMENT_API_KEY/);
    expect(loadConfig({ NODE_ENV: 'production', MANAGEMENT_API_KEY: 'k'.repeat(32) }).REQUIRE_HTTPS).toBe(true);
  });

  it('names every invalid variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DELIVERY_RETRY_MAX_INTERVAL: 'forever', ALLOW_PRIVATE_TARGETS: 'maybe' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DELIVERY_RETRY_MAX_INTERVAL', 'ALLOW_PRIVATE_TARGETS'])
      expect(message).toContain(name);
  });

  it.each([
    ['250ms', 250],
    ['5s', 5_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    ['1500', 1_500],
  ])('parses the duration %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('rejects a malformed duration', () => expect(() => parseDuration('5 parsecs')).toThrow(/not a duration/));
});
