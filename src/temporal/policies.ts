import type { Config } from '../config.js';

/** A retry policy as plain JSON, so it can travel in workflow input (workflows cannot read config). */
export interface RetrySettings {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

/** Every retry policy and timeout Hookflow's workflows use, named for what they govern. */
export interface WorkflowPolicies {
  processingRetry: RetrySettings;
  deliveryRetry: RetrySettings;
  /** Per-attempt HTTP timeout; the activity's start-to-close adds headroom for bookkeeping. */
  deliveryTimeoutMs: number;
  deadLetterReplayWindowMs: number;
  /** Whether a lane's first attempt runs as a local activity (DELIVERY_FIRST_ATTEMPT_LOCAL). */
  firstAttemptLocal: boolean;
  /** Lanes one workflow runs itself; more are split into `fanout:` children of at most this many. */
  fanoutInlineMax: number;
}

/** Builds the policies from config, once per process; tests shrink them through the same config. */
export function buildPolicies(config: Config): WorkflowPolicies {
  return {
    processingRetry: {
      initialIntervalMs: config.PROCESSING_RETRY_INITIAL_INTERVAL,
      backoffCoefficient: config.PROCESSING_RETRY_BACKOFF,
      maximumIntervalMs: config.PROCESSING_RETRY_MAX_INTERVAL,
      maximumAttempts: config.PROCESSING_RETRY_MAX_ATTEMPTS,
    },
    deliveryRetry: {
      initialIntervalMs: config.DELIVERY_RETRY_INITIAL_INTERVAL,
      backoffCoefficient: config.DELIVERY_RETRY_BACKOFF,
      maximumIntervalMs: config.DELIVERY_RETRY_MAX_INTERVAL,
      maximumAttempts: config.DELIVERY_RETRY_MAX_ATTEMPTS,
    },
    deliveryTimeoutMs: config.DELIVERY_TIMEOUT_MS,
    deadLetterReplayWindowMs: config.DEAD_LETTER_REPLAY_WINDOW,
    fanoutInlineMax: config.FANOUT_INLINE_MAX,
    firstAttemptLocal: config.DELIVERY_FIRST_ATTEMPT_LOCAL,
  };
}
