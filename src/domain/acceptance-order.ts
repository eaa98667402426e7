// The order events were accepted in at ingress (README "Delivery policies (per subscription)"): `received_at`, then event id. Pure.

/** Where an event stands in acceptance order. */
export interface AcceptanceMark {
  /** ISO timestamp of acceptance at ingress. */
  receivedAt: string;
  eventId: string;
}

/** Negative when `a` was accepted before `b`, positive after, 0 for the same event. */
export function compareAcceptance(a: AcceptanceMark, b: AcceptanceMark): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? -1 : 1;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}

/** A mark after every event accepted at `receivedAt`. */
export function afterAllAt(receivedAt: string): AcceptanceMark {
  return { receivedAt, eventId: '\uffff' };
}

/** A delivery routed to a FIFO dispatcher whose lane has not yet marked its request on the row. */
export interface NotYetQueued extends AcceptanceMark {
  deliveryId: string;
}

/** What `acceptanceFloorOf` answers a FIFO dispatcher (README "Delivery policies (per subscription)"). */
export interface AcceptanceFloorAnswer {
  /** Below every event of the queue still unrouted, and below what may still be on its way to the ledger. */
  unrouted: AcceptanceMark;
  /** The queue's routed deliveries whose lanes have not marked their admission request, oldest first. */
  notYetQueued: NotYetQueued[];
  /** False when `notYetQueued` was cut at its limit (more may follow its last). */
  notYetQueuedComplete: boolean;
}

/**
 * The floor a dispatcher admits below: every delivery of its queue accepted before it is either
 * held by the dispatcher (waiting or admitted) or known to have asked. A not-yet-queued delivery the
 * dispatcher already holds (its lane's mark is still being written, or an older worker never writes
 * it) does not hold the queue; the first one it does not hold does. Pure.
 */
export function floorFor(answer: AcceptanceFloorAnswer, holds: (deliveryId: string) => boolean): AcceptanceMark {
  const first = answer.notYetQueued.find((delivery) => !holds(delivery.deliveryId));
  const last = answer.notYetQueued[answer.notYetQueued.length - 1];
  const stop = first ?? (answer.notYetQueuedComplete ? undefined : last);
  if (!stop || compareAcceptance(answer.unrouted, stop) <= 0) return answer.unrouted;
  return { receivedAt: stop.receivedAt, eventId: stop.eventId };
}
