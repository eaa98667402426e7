// Pure (no Node imports): workflows import it too.

/** Workflow ids: the one place that knows their shape. */
export const workflowIds = {
  event: (sourceId: string, idempotencyKey: string) => `event:${sourceId}:${idempotencyKey}`,
  /** A fan-out child holding lanes `n·FANOUT_INLINE_MAX …` of a large event. */
  fanout: (eventId: string, n: number) => `fanout:${eventId}:${n}`,
  /** One lane run after its event workflow closed (replay after the window, resend, test event). */
  delivery: (eventId: string, subscriptionId: string) => `delivery:${eventId}:${subscriptionId}`,
  /** Admits a subscription's lanes (one queue per ordering key when the subscription has one). */
  /** Resends a subscription's events of a time window (`ulid` makes each recovery its own). */
  recover: (subscriptionId: string, ulid: string) => `recover:${subscriptionId}:${ulid}`,
  dispatcher: (subscriptionId: string, keyHash?: string) =>
    keyHash === undefined ? `dispatcher:${subscriptionId}` : `dispatcher:${subscriptionId}:${keyHash}`,
};
