import { attemptsOf, delayAfterAttempt, longestDelayOf, type RetryPlan } from '../domain/delivery-policy.js';
import type { RetryPolicy } from '@temporalio/workflow';

/**
 * The Temporal retry policy for a delivery activity that begins after `spent` attempts of the plan
 * (a local first attempt, or attempts before a rate-limit wait), so the backoff goes on where it stands.
 * A schedule's delays are set by the activity itself (nextRetryDelay); the policy only bounds it.
 */
export function retryPolicyAfter(plan: RetryPlan, spent: number): RetryPolicy & { maximumAttempts: number } {
  const maximumAttempts = Math.max(1, attemptsOf(plan) - spent);
  if ('schedule' in plan) {
    return {
      maximumAttempts,
      initialInterval: Math.max(1, plan.schedule.delaysMs[Math.min(spent, plan.schedule.delaysMs.length - 1)] ?? 1),
      backoffCoefficient: 1,
      maximumInterval: Math.max(1, longestDelayOf(plan)),
    };
  }
  const { initialIntervalMs, backoffCoefficient, maximumIntervalMs } = plan.exponential;
  return {
    maximumAttempts,
    initialInterval: delayAfterAttempt(plan, spent + 1, () => 0.5) || initialIntervalMs,
    backoffCoefficient,
    maximumInterval: maximumIntervalMs,
  };
}
