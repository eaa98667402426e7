// Per-subscription delivery policy (README "Delivery policies (per subscription)"), as the API takes it and as a lane carries it. Pure.
import { parseDuration } from './duration.js';
import type { RetrySettings } from './workflow-policies.js';

export const orderingModes = ['none', 'fifo'] as const;
export type OrderingMode = (typeof orderingModes)[number];

export const onDeadLetterModes = ['block', 'skip'] as const;
export type OnDeadLetterMode = (typeof onDeadLetterModes)[number];

/** Where an ordering key is read: a JSON pointer into the payload, or an inbound header. */
export type OrderingKeySource = { pointer: string } | { header: string };

/** `retryPolicy` as a subscription stores it: exponential (fields default from config) or a fixed schedule. */
export type SubscriptionRetryPolicy =
  | { initialInterval?: string; backoffCoefficient?: number; maximumInterval?: string; maximumAttempts?: number }
  | { schedule: string[]; jitter?: number };

/** `circuitBreaker` as a subscription stores it (README "Pause and circuit breaker"); null on the row = off. */
export interface CircuitBreakerSettings {
  /** Consecutive retryable failures across the subscription's lanes that open the circuit. */
  failureThreshold: number;
  /** While open, one probe attempt per this interval (a duration such as "30s"). */
  probeInterval: string;
}

/** A circuit breaker in force, its interval in milliseconds. */
export interface CircuitBreaker {
  failureThreshold: number;
  probeIntervalMs: number;
}

/**
 * The circuit breaker in force for a subscription: its own settings, `false` (off), or (null) the
 * config's defaults, which a threshold of 0 turns off.
 */
export function circuitBreakerOf(
  own: CircuitBreakerSettings | false | null,
  defaults: { failureThreshold: number; probeIntervalMs: number },
): CircuitBreaker | undefined {
  if (own === false) return undefined;
  if (own) return { failureThreshold: own.failureThreshold, probeIntervalMs: parseDuration(own.probeInterval) };
  return defaults.failureThreshold > 0 ? defaults : undefined;
}

/** A fixed schedule resolved to milliseconds: the delays between attempts (attempts = delays + 1). */
export interface RetrySchedule {
  delaysMs: number[];
  /** Each delay varies by up to ± this percent. */
  jitterPercent: number;
}

/** The retry plan a lane runs: exponential settings, or a fixed schedule. */
export type RetryPlan = { exponential: RetrySettings } | { schedule: RetrySchedule };

/** Admission through a dispatcher workflow (maxInFlight and/or FIFO ordering). */
export interface LaneAdmission {
  /** `dispatcher:<subscriptionId>[:<keyHash>]`. */
  dispatcherId: string;
  maxInFlight: number;
  fifo: boolean;
  onDeadLetter: OnDeadLetterMode;
  /** When the event was accepted at ingress: the dispatcher admits in this order (then by event id). */
  receivedAt: string;
  /** The ordering key's hash, for a FIFO subscription ordered per key. */
  orderingKeyHash?: string;
}

/** What routing fixed for one lane; a PATCH of the subscription applies to deliveries routed afterwards. */
export interface LanePolicy {
  /** Absent: the default delivery policy from config. */
  retry?: RetryPlan;
  /** Absent: no cap and no ordering (the lane delivers at once). */
  admission?: LaneAdmission;
}

/** The attempt budget of a plan: maximumAttempts, or one more than the schedule's delays. */
export function attemptsOf(plan: RetryPlan): number {
  return 'schedule' in plan ? plan.schedule.delaysMs.length + 1 : plan.exponential.maximumAttempts;
}

/** A delay varied by up to ± `percent` (`random` in [0, 1): Math.random, which workflow code may call). */
export function jittered(delayMs: number, percent: number, random: () => number): number {
  return Math.max(0, Math.round(delayMs * (1 + ((random() * 2 - 1) * percent) / 100)));
}

/** The wait a plan prescribes after attempt `attemptNumber` (1-based, counting every attempt of the delivery). */
export function delayAfterAttempt(plan: RetryPlan, attemptNumber: number, random: () => number): number {
  if ('schedule' in plan) {
    const { delaysMs, jitterPercent } = plan.schedule;
    return jittered(delaysMs[Math.min(attemptNumber, delaysMs.length) - 1] ?? 0, jitterPercent, random);
  }
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = plan.exponential;
  return Math.min(initialIntervalMs * backoffCoefficient ** (attemptNumber - 1), maximumIntervalMs);
}

/** The longest wait a plan prescribes: a `Retry-After` is capped by it. */
export function longestDelayOf(plan: RetryPlan): number {
  return 'schedule' in plan ? Math.max(...plan.schedule.delaysMs) : plan.exponential.maximumIntervalMs;
}
