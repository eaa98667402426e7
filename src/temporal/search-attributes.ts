import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes of SPEC §5.4, shared by workflows, the dev server and `temporal:setup`. */
export const searchAttributes = {
  source: defineSearchAttributeKey('HookflowSource', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('HookflowEventType', SearchAttributeType.KEYWORD),
  eventId: defineSearchAttributeKey('HookflowEventId', SearchAttributeType.KEYWORD),
  idempotencyKey: defineSearchAttributeKey('HookflowIdempotencyKey', SearchAttributeType.KEYWORD),
  subscriptionId: defineSearchAttributeKey('HookflowSubscriptionId', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('HookflowStatus', SearchAttributeType.KEYWORD),
  attempts: defineSearchAttributeKey('HookflowAttempts', SearchAttributeType.INT),
} as const;

/** `name=Type` pairs in the form `temporal server start-dev --search-attribute` expects. */
export function searchAttributeCliArgs(): string[] {
  return Object.values(searchAttributes).flatMap((key) => [
    '--search-attribute',
    `${key.name}=${key.type === SearchAttributeType.INT ? 'Int' : 'Keyword'}`,
  ]);
}
