import { condition, getExternalWorkflowHandle, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { HookflowActivities } from '../domain/activities.js';
import { admitSignal, blockedSignal, releaseSignal } from '../domain/signals.js';
import type { RoutedDelivery } from '../domain/workflow-io.js';

/**
 * The lanes' side of dispatcher admission (README "Delivery policies (per subscription)"): a lane of a subscription with `maxInFlight`
 * or FIFO ordering asks its `dispatcher:` workflow for a slot and waits (a workflow condition: no
 * worker slot is held), delivers, and gives the slot back when it settles.
 */
export class Admissions {
  /** Lanes the dispatcher has let in and that have not given their slot back, by delivery id. */
  private readonly holding = new Map<string, string>();
  private readonly admitted = new Set<string>();

  constructor(private readonly requestAdmission: HookflowActivities['requestAdmission']) {
    setHandler(admitSignal, ({ deliveryId }) => void this.admitted.add(deliveryId));
  }

  /** Whether the lane must wait for a slot it does not hold yet. */
  needsSlot(route: RoutedDelivery): boolean {
    return route.policy?.admission !== undefined && !this.holding.has(route.deliveryId);
  }

  /** Waits until the lane holds a slot of its dispatcher (at once when it needs none or holds one). */
  async acquire(route: RoutedDelivery, eventId: string): Promise<void> {
    const admission = route.policy?.admission;
    if (!admission || this.holding.has(route.deliveryId)) return;
    this.admitted.delete(route.deliveryId);
    await this.requestAdmission({
      dispatcherId: admission.dispatcherId,
      subscriptionId: route.subscriptionId,
      fifo: admission.fifo,
      orderingKeyHash: admission.orderingKeyHash,
      request: {
        deliveryId: route.deliveryId,
        eventId,
        workflowId: workflowInfo().workflowId,
        receivedAt: admission.receivedAt,
        maxInFlight: admission.maxInFlight,
      },
    });
    await condition(() => this.admitted.has(route.deliveryId));
    this.holding.set(route.deliveryId, admission.dispatcherId);
  }

  /** Gives the lane's slot back, if it holds one. */
  async release(route: RoutedDelivery): Promise<void> {
    const dispatcherId = this.holding.get(route.deliveryId);
    if (dispatcherId === undefined) return;
    this.holding.delete(route.deliveryId);
    await this.signalDispatcher(dispatcherId, () =>
      getExternalWorkflowHandle(dispatcherId).signal(releaseSignal, { deliveryId: route.deliveryId }),
    );
  }

  /**
   * The lane dead-lettered: a FIFO lane with `onDeadLetter: block` keeps its slot (the queue waits
   * for the operator) and tells the dispatcher; any other lane gives its slot back.
   */
  async deadLettered(route: RoutedDelivery, eventId: string, reason: string): Promise<void> {
    const admission = route.policy?.admission;
    const dispatcherId = this.holding.get(route.deliveryId);
    if (!admission || dispatcherId === undefined) return;
    if (!(admission.fifo && admission.onDeadLetter === 'block')) return this.release(route);
    await this.signalDispatcher(dispatcherId, () =>
      getExternalWorkflowHandle(dispatcherId).signal(blockedSignal, { deliveryId: route.deliveryId, eventId, reason }),
    );
  }

  // A dispatcher holding a slot of ours is running (it only closes when idle); should it be gone
  // anyway, there is nobody left to tell, and the lane must not fail for it.
  private async signalDispatcher(dispatcherId: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch (error) {
      log.warn('dispatcher not reachable', { dispatcherId, error: (error as Error).message });
    }
  }
}
