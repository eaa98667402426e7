import { proxyActivities, proxyLocalActivities, sleep, type ActivityOptions } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import { attemptsOf, delayAfterAttempt, longestDelayOf, type RetryPlan } from '../domain/delivery-policy.js';
import { nonRetryableDeliveryTypes } from '../domain/failures.js';
import type { WorkflowPolicies } from '../domain/workflow-policies.js';
import type { DeliveryAttemptResult, LaneEvent, LaneState, RoutedDelivery } from '../domain/workflow-io.js';
import type { HeldLanes } from './held-lanes.js';
import type { LocalActivityGate } from './local-activity-gate.js';
import { activityEnding } from './local-activity-failure.js';
import { retryPolicyAfter } from './retry-plan.js';

/** Backoff while our own dependency is down (not the endpoint's retry policy). */
const OUTAGE_BACKOFF_FIRST_MS = 1_000;
const OUTAGE_BACKOFF_MAX_MS = 60_000;

/** What a lane's delivery needs of the lane: its route, and its state to report the last error in. */
interface BudgetLane {
  route: RoutedDelivery;
  state: LaneState;
}

/** The host of a URL, for activity summaries (no `URL` parsing needed in the sandbox). */
function hostOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(url)?.[1] ?? url;
}

/** How a delivery ends without failing: delivered, or cancelled by the subscription's transformation. */
export type SettledResult = Extract<DeliveryAttemptResult, { kind: 'delivered' | 'cancelled' }>;

const isSettled = (result: DeliveryAttemptResult): result is SettledResult =>
  result.kind === 'delivered' || result.kind === 'cancelled';

/**
 * Runs deliverWebhook under the retry policy; rate-limit waits are timers and use up no attempt.
 * With `firstAttemptLocal`, the first attempt runs as a local activity inside the workflow task
 * (one round trip through Temporal less per delivery); its retries are regular activities, so a
 * retrying delivery shows in the UI's pending-activity panel as usual.
 */
export async function deliverWithinBudget(
  settings: {
    event: LaneEvent;
    policies: WorkflowPolicies;
    onChange: () => void;
    held: HeldLanes;
    localAttempts: LocalActivityGate;
  },
  lane: BudgetLane,
  deliveryOptions: ActivityOptions,
): Promise<SettledResult> {
  const { event, policies } = settings;
  // The subscription's plan when it was routed, else the default delivery policy.
  const plan: RetryPlan = lane.route.policy?.retry ?? { exponential: policies.deliveryRetry };
  const summary = `POST ${event.eventType} → ${lane.route.subscriptionId} (${hostOf(lane.route.url)})`;
  const attempt = (maximumAttempts: number, attemptsBefore: number) => ({
    ...event,
    subscriptionId: lane.route.subscriptionId,
    deliveryId: lane.route.deliveryId,
    maximumAttempts,
    maximumIntervalMs: longestDelayOf(plan),
    ...('schedule' in plan ? { schedule: { ...plan.schedule, attemptsBefore } } : {}),
  });
  let spent = 0;
  const outage = { waitMs: 0 };
  if (policies.firstAttemptLocal) {
    const { deliverWebhook } = proxyLocalActivities<HookflowActivities>({
      ...deliveryOptions,
      retry: { ...deliveryOptions.retry, maximumAttempts: 1 },
      summary,
    });
    try {
      const result = await settings.localAttempts.run(() => deliverWebhook(attempt(attemptsOf(plan), 0)));
      if (isSettled(result)) return result;
      await waitBeforeCallingAgain(settings, lane, result, outage);
    } catch (error) {
      const ended = activityEnding(error);
      const failure = ended?.failure;
      const final =
        failure !== undefined && (failure.nonRetryable || nonRetryableDeliveryTypes.includes(failure.type ?? ''));
      if (!ended || final || attemptsOf(plan) <= 1) throw error;
      spent = 1;
      const retryAfterMs = (failure?.details?.[0] as { retryAfterMs?: number | null } | undefined)?.retryAfterMs;
      await sleep(retryAfterMs ?? delayAfterAttempt(plan, 1, Math.random));
    }
  }
  for (;;) {
    // After a local first attempt (or a rate-limit wait) the plan goes on where it stands, not from the start.
    const retry = retryPolicyAfter(plan, spent);
    const { deliverWebhook } = proxyActivities<HookflowActivities>({
      ...deliveryOptions,
      retry: { ...deliveryOptions.retry, ...retry },
      summary,
    });
    const result = await deliverWebhook(attempt(retry.maximumAttempts, spent));
    if (isSettled(result)) return result;
    spent += result.temporalAttempt - 1;
    await waitBeforeCallingAgain(settings, lane, result, outage);
  }
}

/**
 * A throttle waits for the rate-limit slot; a held lane (paused subscription, open circuit) waits
 * until it is resumed or its recheck time, showing in `HookflowPaused` meanwhile; our own outage
 * (PostgreSQL unreachable before the POST) waits with a backoff of its own, 1 s doubling to at most
 * a minute. None spends an attempt of the subscription's budget or counts as an endpoint failure.
 */
async function waitBeforeCallingAgain(
  settings: { onChange: () => void; held: HeldLanes },
  lane: BudgetLane,
  result: Exclude<DeliveryAttemptResult, SettledResult>,
  outage: { waitMs: number },
): Promise<void> {
  if (result.kind === 'throttled') {
    outage.waitMs = 0;
    await sleep(result.waitMs);
    return;
  }
  if (result.kind === 'held') {
    outage.waitMs = 0;
    lane.state.heldBy = result.reason;
    settings.onChange();
    await settings.held.wait(lane.route.subscriptionId, result.waitMs);
    delete lane.state.heldBy;
    settings.onChange();
    return;
  }
  lane.state.lastError = result.reason;
  settings.onChange();
  outage.waitMs = Math.min(OUTAGE_BACKOFF_MAX_MS, Math.max(OUTAGE_BACKOFF_FIRST_MS, outage.waitMs * 2));
  await sleep(outage.waitMs);
}
