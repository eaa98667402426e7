// Failure types: the retry policies and the dead-letter reasons both read them (docs/architecture.md, "Retries and dead letters"). Pure.
import type { DeadLetterReason } from './vocabulary.js';

/** The `ApplicationFailure` types a delivery attempt ends with. */
export const deliveryFailureTypes = {
  retryable: 'DeliveryFailed',
  rejected: 'RejectedByEndpoint',
  blocked: 'BlockedTarget',
  disabled: 'SubscriptionDisabled',
  /** The subscription's transformation failed: thrown non-retryable (a retry would fail the same way). */
  transformFailed: 'TransformFailed',
} as const;

/** Delivery failures no retry can fix. */
export const nonRetryableDeliveryTypes: string[] = [
  deliveryFailureTypes.rejected,
  deliveryFailureTypes.blocked,
  deliveryFailureTypes.disabled,
];

/** The `ApplicationFailure` types processing ends with. */
export const processingFailureTypes = {
  /** The processor refused the event (or it vanished from the ledger): retrying cannot help. */
  rejected: 'ProcessingRejected',
} as const;

/** Maps the failure type that ended a delivery to its dead-letter reason. */
export function deadLetterReasonFor(failureType: string | undefined): DeadLetterReason {
  switch (failureType) {
    case deliveryFailureTypes.rejected:
      return 'rejected_by_endpoint';
    case deliveryFailureTypes.blocked:
      return 'blocked_target';
    case deliveryFailureTypes.disabled:
      return 'subscription_disabled';
    case deliveryFailureTypes.transformFailed:
      return 'transform_failed';
    default:
      return 'retries_exhausted';
  }
}
