import { createHash } from 'node:crypto';
import type { LanePolicy, OrderingKeySource, RetryPlan, SubscriptionRetryPolicy } from '../domain/delivery-policy.js';
import { parseDuration } from '../domain/duration.js';
import { readJsonPointer } from '../domain/json-pointer.js';
import type { RetrySettings } from '../domain/workflow-policies.js';
import { workflowIds } from '../domain/workflow-ids.js';

/** The policy columns of a subscription that routing reads. */
export interface SubscriptionPolicy {
  id: string;
  retryPolicy: SubscriptionRetryPolicy | null;
  maxInFlight: number | null;
  ordering: 'none' | 'fifo';
  orderingKey: OrderingKeySource | null;
  onDeadLetter: 'block' | 'skip';
}

/** The event routing reads an ordering key from. */
export interface RoutedEvent {
  payload: unknown;
  headers: Record<string, string>;
  receivedAt: Date;
}

/** A subscription's retry policy resolved against the defaults (undefined: the defaults as they are). */
export function retryPlanFor(policy: SubscriptionRetryPolicy | null, defaults: RetrySettings): RetryPlan | undefined {
  if (!policy) return undefined;
  if ('schedule' in policy) {
    return { schedule: { delaysMs: policy.schedule.map(parseDuration), jitterPercent: policy.jitter ?? 0 } };
  }
  return {
    exponential: {
      initialIntervalMs: policy.initialInterval ? parseDuration(policy.initialInterval) : defaults.initialIntervalMs,
      backoffCoefficient: policy.backoffCoefficient ?? defaults.backoffCoefficient,
      maximumIntervalMs: policy.maximumInterval ? parseDuration(policy.maximumInterval) : defaults.maximumIntervalMs,
      maximumAttempts: policy.maximumAttempts ?? defaults.maximumAttempts,
    },
  };
}

/** The ordering key's value for an event, hashed into a workflow-id-safe token ('' when the event lacks it). */
export function orderingKeyHash(source: OrderingKeySource, event: Pick<RoutedEvent, 'payload' | 'headers'>): string {
  const raw =
    'pointer' in source ? readJsonPointer(event.payload, source.pointer) : event.headers[source.header.toLowerCase()];
  const value =
    typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean'
      ? String(raw)
      : raw === undefined
        ? ''
        : JSON.stringify(raw);
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/** What a lane of this subscription runs under, fixed at routing time (README "Delivery policies (per subscription)"). */
export function lanePolicyFor(
  subscription: SubscriptionPolicy,
  event: RoutedEvent,
  defaults: RetrySettings,
): LanePolicy {
  const retry = retryPlanFor(subscription.retryPolicy, defaults);
  const fifo = subscription.ordering === 'fifo';
  const admitted = fifo || subscription.maxInFlight !== null;
  return {
    ...(retry ? { retry } : {}),
    ...(admitted
      ? {
          admission: {
            dispatcherId: workflowIds.dispatcher(
              subscription.id,
              fifo && subscription.orderingKey ? orderingKeyHash(subscription.orderingKey, event) : undefined,
            ),
            maxInFlight: fifo ? 1 : subscription.maxInFlight!,
            fifo,
            onDeadLetter: subscription.onDeadLetter,
            receivedAt: event.receivedAt.toISOString(),
            ...(fifo && subscription.orderingKey
              ? { orderingKeyHash: orderingKeyHash(subscription.orderingKey, event) }
              : {}),
          },
        }
      : {}),
  };
}
