import type { proxyActivities } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import { deadLetterReasonFor } from '../domain/failures.js';
import type { WorkflowPolicies } from '../domain/workflow-policies.js';
import type { LaneEvent, LaneState, RoutedDelivery } from '../domain/workflow-io.js';
import type { Admissions } from './dispatcher-admission.js';
import type { HeldLanes } from './held-lanes.js';
import type { LocalActivityGate } from './local-activity-gate.js';
import { deliverWithinBudget } from './delivery-budget.js';
import { activityEnding } from './local-activity-failure.js';
import { OperatorMailbox, type OperatorDecision } from './operator-mailbox.js';
import type { activityOptions } from './retry.js';

/** What every lane of one workflow shares. */
export interface LaneContext {
  event: LaneEvent;
  policies: WorkflowPolicies;
  /** Called whenever a lane changes status, so the workflow can update its search attributes. */
  onChange: () => void;
  bookkeeping: ReturnType<typeof proxyActivities<HookflowActivities>>;
  deliveryOptions: ReturnType<typeof activityOptions>['delivery'];
  admissions: Admissions;
  /** Where lanes wait while their subscription is paused or its circuit is open. */
  held: HeldLanes;
  /** Where the lanes' local first attempts go on from, together (replay safety). */
  localAttempts: LocalActivityGate;
  /** False for Hookflow's own operational events: reports about them could ping-pong between failing operator endpoints. */
  reportsOperationalEvents: boolean;
}

/**
 * One delivery lane: delivering → delivered | dead_lettered → (replay → delivering…) | discarded |
 * window closed. Its operator decisions wait in its own mailbox.
 */
export class Lane {
  readonly mailbox = new OperatorMailbox();
  readonly state: LaneState;

  constructor(
    readonly route: RoutedDelivery,
    private readonly context: LaneContext,
    status: LaneState['status'],
  ) {
    this.state = {
      subscriptionId: route.subscriptionId,
      deliveryId: route.deliveryId,
      status,
      attempts: 0,
      lastError: null,
      deadLetterId: null,
      replayCount: 0,
      settled: false,
    };
  }

  /** Runs the lane until it is delivered, discarded, or its replay window closes. */
  async run(first?: OperatorDecision): Promise<void> {
    const { bookkeeping, admissions, event, policies } = this.context;
    let decision = first ?? this.mailbox.take();
    for (;;) {
      const subject = { deliveryId: this.route.deliveryId, eventId: event.eventId, reason: decision?.reason };
      if (decision?.kind === 'discard') {
        await bookkeeping.markDiscarded(subject);
        decision.report(this.applied('discarded'));
        await admissions.release(this.route);
        this.setStatus('discarded');
        return;
      }
      if (decision?.kind === 'replay') {
        this.state.replayCount = (await bookkeeping.markReplaying(subject)).replayCount;
        decision.report(this.applied('replaying'));
        this.setStatus('replaying');
      }
      if (decision !== undefined || this.state.status === 'delivering') {
        if (await this.deliverAdmitted()) return;
      }
      decision = await this.mailbox.await(policies.deadLetterReplayWindowMs);
      // The replay window closed: the dead letter stays open; a later replay runs a redelivery workflow.
      if (!decision) {
        await admissions.release(this.route);
        return;
      }
    }
  }

  private applied(status: 'replaying' | 'discarded') {
    const { deliveryId } = this.route;
    return { stage: 'delivery' as const, deliveryId, status, replayCount: this.state.replayCount };
  }

  /**
   * One delivery, after waiting for a dispatcher slot when the subscription caps or orders its
   * deliveries; the slot is given back when it is delivered (or, unless FIFO blocks, dead-lettered).
   */
  private async deliverAdmitted(): Promise<boolean> {
    const { admissions, event } = this.context;
    if (admissions.needsSlot(this.route)) {
      const status = this.state.status;
      this.setStatus('queued');
      await admissions.acquire(this.route, event.eventId);
      this.setStatus(status);
    }
    const delivered = await this.deliverOrDeadLetter();
    if (delivered) await admissions.release(this.route);
    else await admissions.deadLettered(this.route, event.eventId, this.state.lastError ?? 'dead-lettered');
    return delivered;
  }

  /** One delivery under the retry budget; true when delivered, false when it was dead-lettered. */
  private async deliverOrDeadLetter(): Promise<boolean> {
    try {
      const result = await deliverWithinBudget(this.context, this, this.context.deliveryOptions);
      this.state.attempts = result.attempts;
      this.state.lastError = null;
      this.setStatus(result.kind);
      if (this.state.replayCount > 0)
        await this.report('hookflow.delivery.recovered', `${this.route.deliveryId}:${this.state.replayCount}`, {
          attempts: this.state.attempts,
          replayCount: this.state.replayCount,
        });
      return true;
    } catch (error) {
      const ended = activityEnding(error);
      if (!ended) throw error;
      await this.deadLetter(deadLetterReasonFor(ended.failure?.type ?? undefined), ended.message);
      return false;
    }
  }

  /** Writes the lane's dead letter and reports it; from here on a replay or discard may arrive. */
  private async deadLetter(reason: ReturnType<typeof deadLetterReasonFor>, lastError: string): Promise<void> {
    const { event } = this.context;
    this.state.lastError = lastError;
    // Opened before the write: the dead letter becomes visible to operators inside the activity.
    this.mailbox.open();
    const deadLetter = await this.context.bookkeeping.recordDeadLetter({
      stage: 'delivery',
      eventId: event.eventId,
      sourceId: event.sourceId,
      deliveryId: this.route.deliveryId,
      subscriptionId: this.route.subscriptionId,
      reason,
      lastError,
    });
    this.state.deadLetterId = deadLetter.deadLetterId;
    this.state.attempts = deadLetter.attempts;
    this.setStatus('dead_lettered');
    await this.report('hookflow.delivery.dead_lettered', `${deadLetter.deadLetterId}:${this.state.replayCount}`, {
      deadLetterId: deadLetter.deadLetterId,
      reason,
      lastError,
      attempts: this.state.attempts,
    });
  }

  /** Emits an operational event about this lane (not for lanes of operational events themselves). */
  private async report(
    type: 'hookflow.delivery.recovered' | 'hookflow.delivery.dead_lettered',
    key: string,
    data: Record<string, unknown>,
  ): Promise<void> {
    if (!this.context.reportsOperationalEvents) return;
    const { event } = this.context;
    await this.context.bookkeeping.emitOperationalEventActivity({
      type,
      key,
      data: {
        subscriptionId: this.route.subscriptionId,
        deliveryId: this.route.deliveryId,
        eventId: event.eventId,
        eventType: event.eventType,
        ...data,
      },
    });
  }

  private setStatus(status: LaneState['status']): void {
    this.state.status = status;
    this.context.onChange();
  }
}
