import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes of SPEC §5.4, shared by workflows, the dev server and `temporal:setup`. */
export const searchAttributes = {
  source: defineSearchAttributeKey('HookflowSource', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('HookflowEventType', SearchAttributeType.KEYWORD),
  eventId: defineSearchAttributeKey('HookflowEventId', SearchAttributeType.KEYWORD),
  idempotencyKey: defineSearchAttributeKey('HookflowIdempotencyKey', SearchAttributeType.KEYWORD),
  /** Every subscription the event was routed to. */
  subscriptionIds: defineSearchAttributeKey('HookflowSubscriptionIds', SearchAttributeType.KEYWORD_LIST),
  /** Subscriptions whose lane is dead-lettered now: `HookflowDeadLettered = "sub_…"` finds what is stuck. */
  deadLettered: defineSearchAttributeKey('HookflowDeadLettered', SearchAttributeType.KEYWORD_LIST),
  status: defineSearchAttributeKey('HookflowStatus', SearchAttributeType.KEYWORD),
  attempts: defineSearchAttributeKey('HookflowAttempts', SearchAttributeType.INT),
} as const;

const cliTypeNames: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  [SearchAttributeType.INT]: 'Int',
};

/** `name=Type` pairs in the form `temporal server start-dev --search-attribute` expects. */
export function searchAttributeCliArgs(): string[] {
  return Object.values(searchAttributes).flatMap((key) => ['--search-attribute', `${key.name}=${cliTypeNames[key.type]}`]);
}
