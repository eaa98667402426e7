import type { RetryPolicy } from '@temporalio/common';
import type { RetrySettings } from './types.js';

/** Converts config-built retry settings into a Temporal retry policy. */
export function toRetryPolicy(settings: RetrySettings, nonRetryableErrorTypes: string[] = []): RetryPolicy {
  return {
    initialInterval: settings.initialIntervalMs,
    backoffCoefficient: settings.backoffCoefficient,
    maximumInterval: settings.maximumIntervalMs,
    maximumAttempts: settings.maximumAttempts,
    nonRetryableErrorTypes,
  };
}
