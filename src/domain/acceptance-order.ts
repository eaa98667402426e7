// The order events were accepted in at ingress (SPEC §5.5): `received_at`, then event id. Pure.

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
