import { condition, proxyActivities, proxyLocalActivities, sleep } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import { attemptsOf, delayAfterAttempt, longestDelayOf, type RetryPlan } from '../domain/delivery-policy.js';
import { deadLetterReasonFor, nonRetryableDeliveryTypes } from '../domain/failures.js';
import { OPERATIONAL_PREFIX } from '../domain/vocabulary.js';
import { Admissions } from './admission.js';
import { requestTargets } from './operator-control.js';
import { OperatorDecision, OperatorMailbox } from './operator-mailbox.js';
import { activityOptions } from './retry.js';
import { activityEnding } from './local-activity-failure.js';
import { retryPolicyAfter } from './retry-plan.js';
import type {
  DeliveryAttemptResult,
  LaneEvent,
  LaneState,
  OperatorRequest,
  RoutedDelivery,
} from '../domain/workflow-io.js';
import type { WorkflowPolicies } from '../domain/policies.js';

/** Backoff while our own dependency is down (not the endpoint's retry policy). */
const OUTAGE_BACKOFF_FIRST_MS = 1_000;
const OUTAGE_BACKOFF_MAX_MS = 60_000;

/** A lane and what only the workflow needs to know about it. */
interface Lane {
  route: RoutedDelivery;
  state: LaneState;
  /** Operator decisions about the lane's dead letter (open from the moment one is being written). */
  mailbox: OperatorMailbox;
}

/** How a lane begins: a first delivery, a replay/resend of an existing delivery, or closing its open dead letter. */
export type LaneStart = 'deliver' | 'resend' | 'discard';

const initialStatus: Record<LaneStart, LaneState['status']> = {
  deliver: 'delivering',
  resend: 'replaying',
  discard: 'dead_lettered',
};

export interface LaneSetOptions {
  event: LaneEvent;
  policies: WorkflowPolicies;
  /** Called whenever a lane changes status, so the workflow can update its search attributes. */
  onChange: () => void;
}

/** The host of a URL, for activity summaries (no `URL` parsing needed in the sandbox). */
function hostOf(url: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(url)?.[1] ?? url;
}

/**
 * The delivery lanes of one workflow (docs/architecture.md, "Retries and dead letters"): each runs `deliverWebhook` under the delivery
 * policy, dead-letters on its own and waits for `replay`/`discard` without holding up the others.
 */
export class LaneSet {
  private readonly lanes: Lane[] = [];
  private failure: unknown;
  private readonly options: ReturnType<typeof activityOptions>;
  private readonly bookkeeping: ReturnType<typeof proxyActivities<HookflowActivities>>;
  // Operational events about operational events would let two failing operator endpoints ping-pong.
  private readonly reportsOperationalEvents: boolean;
  private readonly admissions: Admissions;

  constructor(private readonly settings: LaneSetOptions) {
    this.options = activityOptions(settings.policies);
    this.bookkeeping = proxyActivities<HookflowActivities>(this.options.bookkeeping);
    this.reportsOperationalEvents = !settings.event.eventType.startsWith(OPERATIONAL_PREFIX);
    this.admissions = new Admissions(this.bookkeeping.requestAdmission);
  }

  /** Every lane's state, in routing order (the `state` query's `lanes`). */
  get states(): LaneState[] {
    return this.lanes.map((lane) => lane.state);
  }

  /** Adds a lane and starts it. */
  start(route: RoutedDelivery, how: LaneStart = 'deliver', reason?: string): void {
    const lane: Lane = {
      route,
      mailbox: new OperatorMailbox(),
      state: {
        subscriptionId: route.subscriptionId,
        deliveryId: route.deliveryId,
        status: initialStatus[how],
        attempts: 0,
        lastError: null,
        deadLetterId: null,
        replayCount: 0,
        settled: false,
      },
    };
    this.lanes.push(lane);
    this.run(
      lane,
      how === 'deliver' ? undefined : new OperatorDecision(how === 'resend' ? 'replay' : 'discard', reason),
    );
  }

  /** Hands an operator's decision to every dead-lettered lane it targets. */
  decide(decision: OperatorDecision, request: OperatorRequest): void {
    for (const lane of this.lanes) {
      if (!requestTargets(request, lane.route) || !lane.mailbox.offer(decision)) continue;
      // A lane whose replay window closed while the workflow still runs comes back for it.
      if (lane.state.settled) this.run(lane);
    }
  }

  /** Whether some dead-lettered lane would take the request now. */
  accepts(request: OperatorRequest): boolean {
    return this.lanes.some((lane) => lane.mailbox.isWaiting && requestTargets(request, lane.route));
  }

  /** Resolves when every lane is settled; rethrows a lane's workflow error. */
  async settled(): Promise<void> {
    await condition(() => this.failure !== undefined || this.lanes.every((lane) => lane.state.settled));
    if (this.failure !== undefined) throw this.failure;
  }

  private run(lane: Lane, first?: OperatorDecision): void {
    lane.state.settled = false;
    this.laneLoop(lane, first).then(
      () => {
        lane.state.settled = true;
        this.settings.onChange();
      },
      (error: unknown) => {
        this.failure = error;
      },
    );
  }

  /** delivering → delivered | dead_lettered → (replay → delivering…) | discarded | window closed. */
  private async laneLoop(lane: Lane, first?: OperatorDecision): Promise<void> {
    let decision = first ?? lane.mailbox.take();
    for (;;) {
      if (decision?.kind === 'discard') {
        await this.bookkeeping.markDiscarded({
          deliveryId: lane.route.deliveryId,
          eventId: this.settings.event.eventId,
          reason: decision.reason,
        });
        decision.report(this.applied(lane, 'discarded'));
        await this.admissions.release(lane.route);
        this.setStatus(lane, 'discarded');
        return;
      }
      if (decision?.kind === 'replay') {
        const { replayCount } = await this.bookkeeping.markReplaying({
          deliveryId: lane.route.deliveryId,
          eventId: this.settings.event.eventId,
          reason: decision.reason,
        });
        lane.state.replayCount = replayCount;
        decision.report(this.applied(lane, 'replaying'));
        this.setStatus(lane, 'replaying');
      }
      if (decision !== undefined || lane.state.status === 'delivering') {
        if (await this.deliverAdmitted(lane)) return;
      }
      decision = await lane.mailbox.await(this.settings.policies.deadLetterReplayWindowMs);
      // The replay window closed: the dead letter stays open; a later replay runs a redelivery workflow.
      if (!decision) {
        await this.admissions.release(lane.route);
        return;
      }
    }
  }

  private applied(lane: Lane, status: 'replaying' | 'discarded') {
    return {
      stage: 'delivery' as const,
      deliveryId: lane.route.deliveryId,
      status,
      replayCount: lane.state.replayCount,
    };
  }

  /**
   * One delivery, after waiting for a dispatcher slot when the subscription caps or orders its
   * deliveries; the slot is given back when it is delivered (or, unless FIFO blocks, dead-lettered).
   */
  private async deliverAdmitted(lane: Lane): Promise<boolean> {
    if (this.admissions.needsSlot(lane.route)) {
      const status = lane.state.status;
      this.setStatus(lane, 'queued');
      await this.admissions.acquire(lane.route, this.settings.event.eventId);
      this.setStatus(lane, status);
    }
    const delivered = await this.deliverOrDeadLetter(lane);
    if (delivered) await this.admissions.release(lane.route);
    else
      await this.admissions.deadLettered(
        lane.route,
        this.settings.event.eventId,
        lane.state.lastError ?? 'dead-lettered',
      );
    return delivered;
  }

  /** One delivery under the retry budget; true when delivered, false when it was dead-lettered. */
  private async deliverOrDeadLetter(lane: Lane): Promise<boolean> {
    const { event } = this.settings;
    try {
      const result = await this.deliverWithinBudget(lane);
      lane.state.attempts = result.attempts;
      lane.state.lastError = null;
      this.setStatus(lane, 'delivered');
      if (lane.state.replayCount > 0 && this.reportsOperationalEvents) {
        await this.bookkeeping.emitOperationalEventActivity({
          type: 'hookflow.delivery.recovered',
          key: `${lane.route.deliveryId}:${lane.state.replayCount}`,
          data: {
            subscriptionId: lane.route.subscriptionId,
            deliveryId: lane.route.deliveryId,
            eventId: event.eventId,
            eventType: event.eventType,
            attempts: lane.state.attempts,
            replayCount: lane.state.replayCount,
          },
        });
      }
      return true;
    } catch (error) {
      const ended = activityEnding(error);
      if (!ended) throw error;
      const reason = deadLetterReasonFor(ended.failure?.type ?? undefined);
      lane.state.lastError = ended.message;
      // From here on a replay or discard may arrive (the dead letter becomes visible inside the activity).
      lane.mailbox.open();
      const deadLetter = await this.bookkeeping.recordDeadLetter({
        stage: 'delivery',
        eventId: event.eventId,
        sourceId: event.sourceId,
        deliveryId: lane.route.deliveryId,
        subscriptionId: lane.route.subscriptionId,
        reason,
        lastError: lane.state.lastError,
      });
      lane.state.deadLetterId = deadLetter.deadLetterId;
      lane.state.attempts = deadLetter.attempts;
      this.setStatus(lane, 'dead_lettered');
      if (this.reportsOperationalEvents) {
        await this.bookkeeping.emitOperationalEventActivity({
          type: 'hookflow.delivery.dead_lettered',
          key: `${deadLetter.deadLetterId}:${lane.state.replayCount}`,
          data: {
            subscriptionId: lane.route.subscriptionId,
            deliveryId: lane.route.deliveryId,
            eventId: event.eventId,
            eventType: event.eventType,
            deadLetterId: deadLetter.deadLetterId,
            reason,
            lastError: lane.state.lastError,
            attempts: lane.state.attempts,
          },
        });
      }
      return false;
    }
  }

  /**
   * Runs deliverWebhook under the retry policy; rate-limit waits are timers and use up no attempt.
   * With `firstAttemptLocal`, the first attempt runs as a local activity inside the workflow task
   * (one round trip through Temporal less per delivery); its retries are regular activities, so a
   * retrying delivery shows in the UI's pending-activity panel as usual.
   */
  private async deliverWithinBudget(lane: Lane): Promise<Extract<DeliveryAttemptResult, { kind: 'delivered' }>> {
    const { event, policies } = this.settings;
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
        ...this.options.delivery,
        retry: { ...this.options.delivery.retry, maximumAttempts: 1 },
        summary,
      });
      try {
        const result = await deliverWebhook(attempt(attemptsOf(plan), 0));
        if (result.kind === 'delivered') return result;
        await this.waitBeforeCallingAgain(lane, result, outage);
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
        ...this.options.delivery,
        retry: { ...this.options.delivery.retry, ...retry },
        summary,
      });
      const result = await deliverWebhook(attempt(retry.maximumAttempts, spent));
      if (result.kind === 'delivered') return result;
      spent += result.temporalAttempt - 1;
      await this.waitBeforeCallingAgain(lane, result, outage);
    }
  }

  /**
   * A throttle waits for the rate-limit slot; our own outage (PostgreSQL unreachable before the
   * POST) waits with a backoff of its own, 1 s doubling to at most a minute. Neither spends an
   * attempt of the subscription's budget nor counts as an endpoint failure.
   */
  private async waitBeforeCallingAgain(
    lane: Lane,
    result: Exclude<DeliveryAttemptResult, { kind: 'delivered' }>,
    outage: { waitMs: number },
  ): Promise<void> {
    if (result.kind === 'throttled') {
      outage.waitMs = 0;
      await sleep(result.waitMs);
      return;
    }
    lane.state.lastError = result.reason;
    this.settings.onChange();
    outage.waitMs = Math.min(OUTAGE_BACKOFF_MAX_MS, Math.max(OUTAGE_BACKOFF_FIRST_MS, outage.waitMs * 2));
    await sleep(outage.waitMs);
  }

  private setStatus(lane: Lane, status: LaneState['status']): void {
    lane.state.status = status;
    this.settings.onChange();
  }
}
