// Custom search attributes (docs/architecture.md, "Search attributes") and the one place that builds each workflow's set: the
// workflow client (at start) and workflow code (as state changes) both use these builders.
import {
  defineSearchAttributeKey,
  SearchAttributeType,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
} from '@temporalio/common';
import type { WorkflowStatus } from './vocabulary.js';

export const searchAttributes = {
  source: defineSearchAttributeKey('HookflowSource', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('HookflowEventType', SearchAttributeType.KEYWORD),
  eventId: defineSearchAttributeKey('HookflowEventId', SearchAttributeType.KEYWORD),
  idempotencyKey: defineSearchAttributeKey('HookflowIdempotencyKey', SearchAttributeType.KEYWORD),
  /** Every subscription the event was routed to. */
  subscriptionIds: defineSearchAttributeKey('HookflowSubscriptionIds', SearchAttributeType.KEYWORD_LIST),
  /** Subscriptions whose lane is dead-lettered now: `HookflowDeadLettered = "sub_…"` finds what is stuck. */
  deadLettered: defineSearchAttributeKey('HookflowDeadLettered', SearchAttributeType.KEYWORD_LIST),
  /** Paused or circuit-open subscriptions a lane of this workflow is waiting on. */
  paused: defineSearchAttributeKey('HookflowPaused', SearchAttributeType.KEYWORD_LIST),
  status: defineSearchAttributeKey('HookflowStatus', SearchAttributeType.KEYWORD),
  attempts: defineSearchAttributeKey('HookflowAttempts', SearchAttributeType.INT),
} as const;

/** One search-attribute value to set, and one to set or (`null`) unset. */
export type { SearchAttributePair, SearchAttributeUpdatePair };

/**
 * Temporal refuses a search-attribute value over 2 KiB (`limit.searchAttributesSizeOfValue`) and
 * fails the workflow task: keyword lists keep the ids that fit, in order, with room to spare.
 */
export const KEYWORD_LIST_MAX_BYTES = 1_800;

/** The leading values of a keyword list that fit Temporal's per-value size limit. */
export function fitKeywordList(values: string[], maxBytes = KEYWORD_LIST_MAX_BYTES): string[] {
  const kept: string[] = [];
  let bytes = 2;
  for (const value of values) {
    bytes += value.length + 3;
    if (bytes > maxBytes) break;
    kept.push(value);
  }
  return kept;
}

/** The event a workflow works for, as its search attributes name it. */
interface IdentifiedEvent {
  eventId: string;
  sourceId: string;
  eventType: string;
}

function identity(event: IdentifiedEvent, status: WorkflowStatus): SearchAttributePair[] {
  return [
    { key: searchAttributes.source, value: event.sourceId },
    { key: searchAttributes.eventType, value: event.eventType },
    { key: searchAttributes.eventId, value: event.eventId },
    { key: searchAttributes.status, value: status },
  ];
}

/** Each workflow's identifying search attributes (routing and lane state are upserted as they change). */
export const searchAttributesOf = {
  /** `event:…`: the event and its idempotency key. */
  eventWorkflow: (
    event: IdentifiedEvent & { idempotencyKey: string },
    status: WorkflowStatus,
  ): SearchAttributePair[] => [
    ...identity(event, status),
    { key: searchAttributes.idempotencyKey, value: event.idempotencyKey },
  ],
  /** `fanout:…` and `delivery:…`: the event and the subscriptions whose lanes it runs. */
  laneWorkflow: (event: IdentifiedEvent, subscriptionIds: string[], status: WorkflowStatus): SearchAttributePair[] => [
    ...identity(event, status),
    { key: searchAttributes.subscriptionIds, value: fitKeywordList(subscriptionIds) },
  ],
  /** What routing adds: every subscription the event goes to. */
  routed: (subscriptionIds: string[]): SearchAttributePair[] => [
    { key: searchAttributes.subscriptionIds, value: fitKeywordList(subscriptionIds) },
  ],
};
