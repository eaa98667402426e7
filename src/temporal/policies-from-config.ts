import type { Config } from '../config.js';
import type { WorkflowPolicies } from '../domain/workflow-policies.js';

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
    firstAttemptLocal: config.DELIVERY_FIRST_ATTEMPT_LOCAL,
  };
}
