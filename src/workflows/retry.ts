import type { ActivityOptions, RetryPolicy } from '@temporalio/workflow';
import { nonRetryableDeliveryTypes, processingFailureTypes } from '../domain/failures.js';
import type { RetrySettings, WorkflowPolicies } from '../domain/workflow-policies.js';

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

/** Bookkeeping (dead letters, admission, operational events): must eventually land, so it retries without limit (e.g. through a Postgres outage). */
export const bookkeepingOptions = {
  startToCloseTimeout: 30_000,
  retry: { initialInterval: 1_000, backoffCoefficient: 2, maximumInterval: 30_000 },
} satisfies ActivityOptions;

/**
 * Every activity's timeout and retry policy, in one place, built from the config-derived policies
 * carried in workflow input (workflows cannot read config themselves).
 */
export function activityOptions(policies: WorkflowPolicies) {
  return {
    /** processEvent: the processing policy (PROCESSING_RETRY_*); recordEvent uses `bookkeeping` (it must land). */
    processing: {
      startToCloseTimeout: policies.deliveryTimeoutMs + 30_000,
      retry: toRetryPolicy(policies.processingRetry, [processingFailureTypes.rejected]),
    } satisfies ActivityOptions,
    /** deliverWebhook: the delivery policy (DELIVERY_RETRY_*); the HTTP timeout plus bookkeeping headroom. */
    delivery: {
      startToCloseTimeout: policies.deliveryTimeoutMs + 15_000,
      retry: toRetryPolicy(policies.deliveryRetry, nonRetryableDeliveryTypes),
    } satisfies ActivityOptions,
    bookkeeping: bookkeepingOptions,
  };
}
