import { z } from 'zod';
import { parseDuration } from './domain/duration.js';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseDuration(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

/** A duration, or `off` (null). */
const durationOrOff = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      if (text.trim() === 'off') return null;
      try {
        return parseDuration(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `${(error as Error).message}, or off` });
        return z.NEVER;
      }
    });

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optionalText = z.string().min(1).optional();

/** Every environment variable Hookflow reads, with its default (`.env.example` lists them all). */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: int(3000, 0),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    DATABASE_URL: z.string().url().optional(),
    DATABASE_POOL_SIZE: int(10, 1),
    DATA_DIR: z.string().default('.data'),
    TEMPORAL_ADDRESS: optionalText,
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('hookflow'),
    TEMPORAL_CLI_PATH: optionalText,
    // Ports of the Temporal dev server `npm start` runs when TEMPORAL_ADDRESS is unset, and of its Web UI.
    DEV_TEMPORAL_PORT: int(7233, 1),
    DEV_TEMPORAL_UI_PORT: int(8233, 1),
    // `npm run cluster`: the Temporal server's frontend (its services take the 7 ports from
    // CLUSTER_TEMPORAL_PORT + 100 up), its Web UI, the first API (the second takes the next port), the
    // first worker's metrics port (the second likewise), and the namespace retention in days.
    CLUSTER_TEMPORAL_PORT: int(7233, 1),
    CLUSTER_TEMPORAL_UI_PORT: int(8233, 1),
    CLUSTER_API_PORT: int(3000, 1),
    CLUSTER_WORKER_METRICS_PORT: int(9464, 1),
    CLUSTER_NAMESPACE_RETENTION_DAYS: int(7, 1),
    // How long `npm run cluster` waits before restarting the Temporal server or its embedded
    // PostgreSQL after either died under it (the compose file's `restart: unless-stopped`).
    CLUSTER_RESTART_DELAY: duration('10s'),
    // Real clusters and Temporal Cloud: mTLS client pair, a private CA, an SNI override, or an API key (implies TLS).
    TEMPORAL_TLS_CERT_PATH: optionalText,
    TEMPORAL_TLS_KEY_PATH: optionalText,
    TEMPORAL_TLS_CA_PATH: optionalText,
    TEMPORAL_TLS_SERVER_NAME: optionalText,
    TEMPORAL_API_KEY: optionalText,
    MANAGEMENT_API_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
    SOURCE_CACHE_TTL: duration('2s'),
    DELIVERY_TIMEOUT_MS: int(15_000, 1),
    DELIVERY_RESPONSE_MAX_BYTES: int(65_536, 0),
    DELIVERY_RETRY_INITIAL_INTERVAL: duration('5s'),
    DELIVERY_RETRY_BACKOFF: z.coerce.number().min(1).default(2),
    DELIVERY_RETRY_MAX_INTERVAL: duration('1h'),
    DELIVERY_RETRY_MAX_ATTEMPTS: int(32, 1),
    PROCESSING_RETRY_INITIAL_INTERVAL: duration('1s'),
    PROCESSING_RETRY_BACKOFF: z.coerce.number().min(1).default(2),
    PROCESSING_RETRY_MAX_INTERVAL: duration('5m'),
    PROCESSING_RETRY_MAX_ATTEMPTS: int(10, 1),
    DEAD_LETTER_REPLAY_WINDOW: duration('7d'),
    SECRET_ROTATION_GRACE: duration('24h'),
    AUTO_DISABLE_AFTER: duration('5d'),
    AUTO_DISABLE_MIN_FAILURES: int(10, 1),
    // README "Transformations": the longest a subscription's JSONata expression may run per delivery.
    TRANSFORM_TIMEOUT_MS: int(50, 1),
    // README "Pause and circuit breaker": the defaults of a subscription's circuitBreaker (threshold 0 = off
    // unless the subscription sets one), and how often a held lane looks again in case a resume signal was missed.
    CIRCUIT_BREAKER_FAILURE_THRESHOLD: int(10, 0),
    CIRCUIT_BREAKER_PROBE_INTERVAL: duration('30s'),
    PAUSE_RECHECK_INTERVAL: duration('1m'),
    // README "Recover a time window": resends per second a recovery makes at most.
    RECOVER_RATE_PER_SECOND: int(50, 1),
    RETENTION_DAYS: int(30, 1),
    ALLOW_PRIVATE_TARGETS: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
    REQUIRE_HTTPS: z.enum(['true', 'false', '1', '0', 'yes', 'no']).optional(),
    WORKER_MAX_CONCURRENT_ACTIVITIES: int(100, 1),
    FANOUT_INLINE_MAX: int(100, 1),
    ORDERING_REORDER_WINDOW: duration('2s'),
    // Ingress answers from the outbox when the workflow start has not answered within this (0: always; off: never).
    INGRESS_SPILLOVER_AFTER: durationOrOff('250ms'),
    // Admissions per dispatcher run before it continues as new (keeps its history short).
    DISPATCHER_ADMISSIONS_PER_RUN: int(1_000, 1),
    DELIVERY_FIRST_ATTEMPT_LOCAL: bool(true),
    WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: int(40, 1),
    // A prebuilt workflow bundle (`npm run build` writes dist/workflow-bundle.js): no webpack at worker start.
    WORKFLOW_BUNDLE_PATH: optionalText,
    // Workflows kept in the worker's sticky cache (see src/worker-setup/start-worker.ts for why 500).
    WORKER_MAX_CACHED_WORKFLOWS: int(500, 0),
    // Port of the worker's Prometheus endpoint; 0 turns it off.
    WORKER_METRICS_PORT: int(9464, 0),
    SHUTDOWN_DRAIN_TIMEOUT: duration('20s'),
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.MANAGEMENT_API_KEY) {
      ctx.addIssue({ code: 'custom', path: ['MANAGEMENT_API_KEY'], message: 'is required when NODE_ENV=production' });
    }
    // A client certificate without its key (or the reverse) is a half-configured mTLS pair.
    if (!env.TEMPORAL_TLS_CERT_PATH !== !env.TEMPORAL_TLS_KEY_PATH) {
      const [missing, present] = env.TEMPORAL_TLS_CERT_PATH
        ? ['TEMPORAL_TLS_KEY_PATH', 'TEMPORAL_TLS_CERT_PATH']
        : ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'];
      ctx.addIssue({ code: 'custom', path: [missing], message: `is required when ${present} is set` });
    }
  })
  .transform((env) => {
    const production = env.NODE_ENV === 'production';
    const flag = (value: string | undefined, fallback: boolean) =>
      value === undefined ? fallback : bool(fallback).parse(value);
    return {
      ...env,
      // Private targets are only reachable by choice; production requires https unless told otherwise.
      ALLOW_PRIVATE_TARGETS: flag(env.ALLOW_PRIVATE_TARGETS, false),
      REQUIRE_HTTPS: flag(env.REQUIRE_HTTPS, production),
    };
  });

export type Config = z.infer<typeof configSchema>;

/** Raised when the environment does not parse; the message names every offending variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment once; throws a ConfigError naming each invalid variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(configSchema.def.in.def.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const result = configSchema.safeParse(known);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(config)'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
}
