import { afterAllAt, compareAcceptance, type AcceptanceMark } from '../domain/acceptance-order.js';
import type { OrderingKeySource } from '../domain/delivery-policy.js';
import { orderingKeyHash } from './lane-policy.js';
import { matchSubscriptions, type RoutableSubscription } from './subscription-matching.js';

/** An event accepted at ingress that has not been routed yet (in the ledger, or still in the outbox). */
export interface UnroutedEvent extends AcceptanceMark {
  sourceId: string;
  eventType: string;
  payload: unknown;
  headers: Record<string, string>;
}

/** One batch of unrouted events, oldest first; `complete: false` when the batch was cut at its limit. */
export interface UnroutedBatch {
  events: UnroutedEvent[];
  complete: boolean;
}

export interface FloorSubject {
  subscription: Omit<RoutableSubscription, 'enabled'> & { orderingKey: OrderingKeySource | null };
  /** The dispatcher's ordering key (absent: one queue for the whole subscription). */
  keyHash?: string | undefined;
  /** Nothing accepted before this is still on its way to the ledger. */
  settledBefore: string;
}

/**
 * The unrouted floor of a FIFO queue: every event of the queue accepted before it has been routed.
 * It is the first unrouted event that would join this queue (same subscription, same ordering key),
 * else the point before which nothing is still on its way; a batch cut at its limit caps it at its
 * last event, as nothing past it was seen. (The dispatcher then also stops at routed deliveries that
 * have not reached it yet: `floorFor`.)
 */
export function acceptanceFloor(subject: FloorSubject, batches: UnroutedBatch[]): AcceptanceMark {
  const candidates: AcceptanceMark[] = [afterAllAt(subject.settledBefore)];
  const subscription = [{ ...subject.subscription, enabled: true }];
  for (const batch of batches) {
    const joining = batch.events.find(
      (event) =>
        matchSubscriptions(subscription, event).length > 0 &&
        (subject.keyHash === undefined ||
          !subject.subscription.orderingKey ||
          orderingKeyHash(subject.subscription.orderingKey, event) === subject.keyHash),
    );
    const last = batch.events[batch.events.length - 1];
    const stop = joining ?? (batch.complete ? undefined : last);
    if (stop) candidates.push({ receivedAt: stop.receivedAt, eventId: stop.eventId });
  }
  return candidates.reduce((low, mark) => (compareAcceptance(mark, low) < 0 ? mark : low));
}
