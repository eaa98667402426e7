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

/**
 * `dispatcher:<subscriptionId>[:<keyHash>]` (README "Delivery policies (per subscription)"): admits at most `maxInFlight` lanes of one
 * subscription (one ordering key) at a time, in acceptance order, each after the reorder window.
 * A FIFO lane that dead-letters with `onDeadLetter: block` keeps its slot, so the queue waits for
 * the operator. Long-lived: it continues as new every DISPATCHER_ADMISSIONS_PER_RUN admissions with its queue.
 */
export async function dispatcherWorkflow(input: DispatcherInput): Promise<void> {
  const waiting: AdmissionRequest[] = [...(input.waiting ?? [])];
  const admitted = new Map<string, Holder>((input.admitted ?? []).map((holder) => [holder.deliveryId, holder]));
  const news: { deliveryId: string; eventId: string; reason: string }[] = [];
  let maxInFlight = input.maxInFlight;
  let admissions = 0;
  let changes = 0;
  const { emitOperationalEventActivity, acceptanceFloorOf } = proxyActivities<HookflowActivities>(bookkeepingOptions);
  // Deliveries accepted before the floor may go: every earlier event of this queue is routed.
  let floor: AcceptanceMark | undefined;
  let floorAt = -Infinity;
  const resend = (holder: AdmissionRequest) =>
    getExternalWorkflowHandle(holder.workflowId).signal(admitSignal, { deliveryId: holder.deliveryId });

  setHandler(admissionRequestSignal, (request) => {
    changes++;
    maxInFlight = request.maxInFlight;
    const held = admitted.get(request.deliveryId);
    // A retried request of a lane already let in: say so again (its first `admit` may be what it missed).
    if (held) void resend(held).catch(() => admitted.delete(held.deliveryId));
    else if (!waiting.some((w) => w.deliveryId === request.deliveryId)) waiting.push(request);
  });
  setHandler(releaseSignal, ({ deliveryId }) => {
    changes++;
    admitted.delete(deliveryId);
  });
  setHandler(blockedSignal, (blocked) => {
    changes++;
    const holder = admitted.get(blocked.deliveryId);
    if (holder && !holder.blocked) {
      holder.blocked = true;
      news.push(blocked);
    }
  });
  setHandler(dispatcherStateQuery, () => ({
    subscriptionId: input.subscriptionId,
    maxInFlight,
    waiting: [...waiting].sort(byAcceptance),
    admitted: [...admitted.values()],
    admissions,
  }));

  let published: WorkflowStatus | undefined;
  const publish = () => {
    const status: WorkflowStatus = [...admitted.values()].some((h) => h.blocked)
      ? 'blocked'
      : admitted.size + waiting.length > 0
        ? 'delivering'
        : 'idle';
    if (status === published) return;
    published = status;
    upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      { key: searchAttributes.subscriptionIds, value: [input.subscriptionId] },
    ]);
  };

  for (;;) {
    publish();
    for (const blocked of news.splice(0)) {
      await emitOperationalEventActivity({
        type: 'hookflow.subscription.blocked',
        key: `${blocked.deliveryId}:${workflowInfo().runId}`,
        data: { subscriptionId: input.subscriptionId, dispatcherId: workflowInfo().workflowId, ...blocked },
      });
    }
    waiting.sort(byAcceptance);
    const head = waiting[0];
    if (head && admitted.size < maxInFlight) {
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
            const seen = changes;
            await condition(() => changes !== seen, wait);
            continue;
          }
          // Runs started before the answer carried `notYetQueued` recorded a bare mark: replay keeps it.
          const answer: AcceptanceFloorAnswer | AcceptanceMark = await acceptanceFloorOf({
            subscriptionId: input.subscriptionId,
            orderingKeyHash: input.orderingKeyHash,
            reorderWindowMs: input.reorderWindowMs,
          });
          const holds = new Set([...waiting.map((w) => w.deliveryId), ...admitted.keys()]);
          floor = 'unrouted' in answer ? floorFor(answer, (deliveryId) => holds.has(deliveryId)) : answer;
          floorAt = Date.now();
          continue;
        }
      } else {
        // Plain caps (window 0), and FIFO runs started before dispatchers took `fifo`: the window alone.
        const wait = Date.parse(head.receivedAt) + input.reorderWindowMs - Date.now();
        if (wait > 0) {
          const seen = changes;
          await condition(() => changes !== seen, wait);
          continue;
        }
      }
      waiting.shift();
      admitted.set(head.deliveryId, { ...head, blocked: false });
      admissions++;
      try {
        await resend(head);
      } catch {
        // The lane's workflow is gone (terminated): nobody will use or give back this slot.
        admitted.delete(head.deliveryId);
      }
      continue;
    }
    if (admissions >= input.admissionsPerRun) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof dispatcherWorkflow>({
        ...input,
        maxInFlight,
        waiting,
        admitted: [...admitted.values()],
      });
    }
    const seen = changes;
    const idle = waiting.length === 0 && admitted.size === 0;
    const changed = await condition(() => changes !== seen, idle ? IDLE_CLOSE_MS : undefined);
    if (!changed && idle) return;
  }
}
