import { OPERATIONAL_PREFIX } from '../domain/vocabulary.js';

/**
 * Whether an event type matches a pattern: exact `a.b`, prefix `a.*` (matches `a.b`, `a.b.c`), or `*`.
 * `*` does not match `hookflow.*` operational events: receiving them is opt-in.
 */
export function eventTypeMatches(pattern: string, eventType: string): boolean {
  if (pattern === '*') return !eventType.startsWith(OPERATIONAL_PREFIX);
  if (pattern.endsWith('.*')) return eventType.startsWith(pattern.slice(0, -1));
  return pattern === eventType;
}

export interface RoutableSubscription {
  id: string;
  enabled: boolean;
  eventTypes: string[];
  sourceIds: string[];
}

/**
 * The enabled subscriptions that want this event: a matching type pattern and (no source filter or)
 * this source. An operational event is never routed to the subscription it is about (no loops).
 */
export function matchSubscriptions<S extends RoutableSubscription>(
  subscriptions: S[],
  event: { sourceId: string; eventType: string; aboutSubscriptionId?: string | undefined },
): S[] {
  return subscriptions.filter(
    (s) =>
      s.enabled &&
      s.id !== event.aboutSubscriptionId &&
      (s.sourceIds.length === 0 || s.sourceIds.includes(event.sourceId)) &&
      s.eventTypes.some((pattern) => eventTypeMatches(pattern, event.eventType)),
  );
}
