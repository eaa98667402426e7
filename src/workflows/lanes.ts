import { condition, proxyActivities } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import type { WorkflowPolicies } from '../domain/workflow-policies.js';
import { OPERATIONAL_PREFIX } from '../domain/vocabulary.js';
import type { LaneEvent, LaneState, OperatorRequest, RoutedDelivery } from '../domain/workflow-io.js';
import { Admissions } from './dispatcher-admission.js';
import { HeldLanes } from './held-lanes.js';
import { Lane, type LaneContext } from './lane.js';
import { LocalActivityGate } from './local-activity-gate.js';
import { requestTargets } from './operator-control.js';
import { OperatorDecision } from './operator-mailbox.js';
import { activityOptions } from './retry.js';

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

/**
 * The delivery lanes of one workflow (docs/architecture.md, "Workflows"): each runs `deliverWebhook`
 * under the delivery policy, dead-letters on its own and waits for `replay`/`discard` without
 * holding up the others.
 */
export class LaneSet {
  private readonly lanes: Lane[] = [];
  private failure: unknown;
  private readonly context: LaneContext;

  constructor(settings: LaneSetOptions) {
    const options = activityOptions(settings.policies);
    const bookkeeping = proxyActivities<HookflowActivities>(options.bookkeeping);
    this.context = {
      ...settings,
      bookkeeping,
      deliveryOptions: options.delivery,
      admissions: new Admissions(bookkeeping.requestAdmission),
      held: new HeldLanes(),
      localAttempts: new LocalActivityGate(),
      reportsOperationalEvents: !settings.event.eventType.startsWith(OPERATIONAL_PREFIX),
    };
  }

  /** Every lane's state, in routing order (the `state` query's `lanes`). */
  get states(): LaneState[] {
    return this.lanes.map((lane) => lane.state);
  }

  /** Adds a lane and starts it. */
  start(route: RoutedDelivery, how: LaneStart = 'deliver', reason?: string): void {
    const lane = new Lane(route, this.context, initialStatus[how]);
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

  /** Lets the lanes held on `subscriptionId` (paused, circuit open) try again now. */
  resume(subscriptionId: string): void {
    this.context.held.resume(subscriptionId);
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
    lane.run(first).then(
      () => {
        lane.state.settled = true;
        this.context.onChange();
      },
      (error: unknown) => {
        this.failure = error;
      },
    );
  }
}
