import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  compareAcceptance,
  floorFor,
  type AcceptanceFloorAnswer,
  type AcceptanceMark,
} from '../domain/acceptance-order.js';
import type { HookflowActivities } from '../domain/activities.js';
import { searchAttributes } from '../domain/search-attributes.js';
import {
  admissionRequestSignal,
  admitSignal,
  blockedSignal,
  dispatcherStateQuery,
  releaseSignal,
} from '../domain/signals.js';
import type { WorkflowStatus } from '../domain/vocabulary.js';
import type { AdmissionRequest, DispatcherInput } from '../domain/workflow-io.js';
import { bookkeepingOptions } from './retry.js';

/** A dispatcher with nothing waiting or admitted for this long closes; the next lane starts it again. */
const IDLE_CLOSE_MS = 60_000;

type Holder = AdmissionRequest & { blocked: boolean };

/** How often a FIFO dispatcher asks again whether the events accepted before its head are routed. */
const FLOOR_RECHECK_MS = 250;

const byAcceptance = compareAcceptance;

/** The dispatcher's queue: lanes waiting, lanes holding a slot, and the signals and query that change and show them. */
class DispatcherQueue {
  readonly waiting: AdmissionRequest[];
  readonly admitted: Map<string, Holder>;
  /** FIFO lanes that dead-lettered and now hold the queue, not yet reported. */
  readonly newlyBlocked: { deliveryId: string; eventId: string; reason: string }[] = [];
  maxInFlight: number;
  admissions = 0;
  /** Bumped by every signal: a wait ends when anything changed. */
  changes = 0;
  private published: WorkflowStatus | undefined;

  constructor(private readonly input: DispatcherInput) {
    this.waiting = [...(input.waiting ?? [])];
    this.admitted = new Map((input.admitted ?? []).map((holder) => [holder.deliveryId, holder]));
    this.maxInFlight = input.maxInFlight;
    setHandler(admissionRequestSignal, (request) => {
      this.changes++;
      this.maxInFlight = request.maxInFlight;
      const held = this.admitted.get(request.deliveryId);
      // A retried request of a lane already let in: say so again (its first `admit` may be what it missed).
      if (held) void this.admit(held).catch(() => this.admitted.delete(held.deliveryId));
      else if (!this.waiting.some((w) => w.deliveryId === request.deliveryId)) this.waiting.push(request);
    });
    setHandler(releaseSignal, ({ deliveryId }) => {
      this.changes++;
      this.admitted.delete(deliveryId);
    });
    setHandler(blockedSignal, (blocked) => {
      this.changes++;
      const holder = this.admitted.get(blocked.deliveryId);
      if (holder && !holder.blocked) {
        holder.blocked = true;
        this.newlyBlocked.push(blocked);
      }
    });
    setHandler(dispatcherStateQuery, () => ({
      subscriptionId: input.subscriptionId,
      maxInFlight: this.maxInFlight,
      waiting: [...this.waiting].sort(byAcceptance),
      admitted: [...this.admitted.values()],
      admissions: this.admissions,
    }));
  }

  /** Tells a lane it may deliver. */
  admit(holder: AdmissionRequest): Promise<void> {
    return getExternalWorkflowHandle(holder.workflowId).signal(admitSignal, { deliveryId: holder.deliveryId });
  }

  /** Moves the head of the queue to the admitted lanes and tells it; a lane whose workflow is gone frees the slot. */
  async admitHead(): Promise<void> {
    const head = this.waiting.shift()!;
    this.admitted.set(head.deliveryId, { ...head, blocked: false });
    this.admissions++;
    try {
      await this.admit(head);
    } catch {
      // The lane's workflow is gone (terminated): nobody will use or give back this slot.
      this.admitted.delete(head.deliveryId);
    }
  }

  /** Whether nothing waits and nothing holds a slot. */
  get idle(): boolean {
    return this.waiting.length === 0 && this.admitted.size === 0;
  }

  /** Waits until a signal changes something, or `timeoutMs`; true when something changed. */
  async changed(timeoutMs?: number): Promise<boolean> {
    const seen = this.changes;
    if (timeoutMs === undefined) {
      await condition(() => this.changes !== seen);
      return true;
    }
    return condition(() => this.changes !== seen, timeoutMs);
  }

  /** Upserts `HookflowStatus` (blocked, delivering or idle) when it changed. */
  publish(): void {
    const status: WorkflowStatus = [...this.admitted.values()].some((h) => h.blocked)
      ? 'blocked'
      : this.admitted.size + this.waiting.length > 0
        ? 'delivering'
        : 'idle';
    if (status === this.published) return;
    this.published = status;
    upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      { key: searchAttributes.subscriptionIds, value: [this.input.subscriptionId] },
    ]);
  }
}

/**
 * `dispatcher:<subscriptionId>[:<keyHash>]` (README "Delivery policies (per subscription)"): admits
 * at most `maxInFlight` lanes of one subscription (one ordering key) at a time, in acceptance order,
 * each after the reorder window. A FIFO lane that dead-letters with `onDeadLetter: block` keeps its
 * slot, so the queue waits for the operator. Long-lived: it continues as new every
 * DISPATCHER_ADMISSIONS_PER_RUN admissions with its queue.
 */
export async function dispatcherWorkflow(input: DispatcherInput): Promise<void> {
  const queue = new DispatcherQueue(input);
  const { emitOperationalEventActivity, acceptanceFloorOf } = proxyActivities<HookflowActivities>(bookkeepingOptions);
  // Deliveries accepted before the floor may go: every earlier event of this queue is routed.
  let floor: AcceptanceMark | undefined;
  let floorAt = -Infinity;

  for (;;) {
    queue.publish();
    for (const blocked of queue.newlyBlocked.splice(0)) {
      await emitOperationalEventActivity({
        type: 'hookflow.subscription.blocked',
        key: `${blocked.deliveryId}:${workflowInfo().runId}`,
        data: { subscriptionId: input.subscriptionId, dispatcherId: workflowInfo().workflowId, ...blocked },
      });
    }
    queue.waiting.sort(byAcceptance);
    const head = queue.waiting[0];
    if (head && queue.admitted.size < queue.maxInFlight) {
      if (input.fifo) {
        if (!floor || byAcceptance(head, floor) >= 0) {
          // Hold each arrival for the reorder window after its acceptance (the time ingress may take to
          // reach the ledger), then until every event of this queue accepted before it is routed, so an
          // event accepted a little earlier by another API replica, or routed later, still goes first.
          const wait = Math.max(
            Date.parse(head.receivedAt) + input.reorderWindowMs - Date.now(),
            floorAt + FLOOR_RECHECK_MS - Date.now(),
          );
          if (wait > 0) {
            await queue.changed(wait);
            continue;
          }
          // Runs started before the answer carried `notYetQueued` recorded a bare mark: replay keeps it.
          const answer: AcceptanceFloorAnswer | AcceptanceMark = await acceptanceFloorOf({
            subscriptionId: input.subscriptionId,
            orderingKeyHash: input.orderingKeyHash,
            reorderWindowMs: input.reorderWindowMs,
          });
          const holds = new Set([...queue.waiting.map((w) => w.deliveryId), ...queue.admitted.keys()]);
          floor = 'unrouted' in answer ? floorFor(answer, (deliveryId) => holds.has(deliveryId)) : answer;
          floorAt = Date.now();
          continue;
        }
      } else {
        // Plain caps (window 0), and FIFO runs started before dispatchers took `fifo`: the window alone.
        const wait = Date.parse(head.receivedAt) + input.reorderWindowMs - Date.now();
        if (wait > 0) {
          await queue.changed(wait);
          continue;
        }
      }
      await queue.admitHead();
      continue;
    }
    if (queue.admissions >= input.admissionsPerRun) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof dispatcherWorkflow>({
        ...input,
        maxInFlight: queue.maxInFlight,
        waiting: queue.waiting,
        admitted: [...queue.admitted.values()],
      });
    }
    const idle = queue.idle;
    const changed = await queue.changed(idle ? IDLE_CLOSE_MS : undefined);
    if (!changed && idle) return;
  }
}
