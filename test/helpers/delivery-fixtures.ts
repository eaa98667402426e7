import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { courierEnvelope, postHmacWebhook } from './send.js';
import { manage } from './management.js';
import { uniqueId, type TestStack } from './stack.js';
import { waitFor } from './wait.js';

/** Shrunken delivery policy for tests (config only, as in production). */
export const fastRetries = {
  DELIVERY_RETRY_INITIAL_INTERVAL: '200ms',
  DELIVERY_RETRY_BACKOFF: '1.5',
  DELIVERY_RETRY_MAX_INTERVAL: '5s',
  DELIVERY_RETRY_MAX_ATTEMPTS: '4',
  PROCESSING_RETRY_INITIAL_INTERVAL: '200ms',
  PROCESSING_RETRY_MAX_ATTEMPTS: '3',
  DELIVERY_TIMEOUT_MS: '3000',
};

/** A courier source of its own (so subscriptions scoped to it see only this test's events). */
export async function createCourierSource(stack: TestStack, extra: Record<string, unknown> = {}) {
  const id = uniqueId('src');
  const secret = `secret-${randomUUID()}`;
  const created = await manage(stack, 'POST', '/v1/sources', { id, scheme: 'hmac-sha256', secret, ...extra });
  expect(created.status, created.text).toBe(201);
  return {
    id,
    secret,
    /** Sends one courier event; resolves to the 202 body. */
    async send(overrides: Record<string, unknown> = {}) {
      const response = await postHmacWebhook(stack.url, id, secret, courierEnvelope(overrides));
      expect(response.status).toBe(202);
      return (await response.json()) as { eventId: string; workflowId: string; idempotencyKey: string };
    },
  };
}

/** Creates a subscription scoped to `sourceId`; returns its id and secret. */
export async function subscribe(stack: TestStack, url: string, sourceId: string, extra: Record<string, unknown> = {}) {
  const created = await manage(stack, 'POST', '/v1/subscriptions', {
    url,
    sourceIds: [sourceId],
    eventTypes: ['*'],
    ...extra,
  });
  expect(created.status, created.text).toBe(201);
  return created.body as { id: string; secret: string };
}

/**
 * Waits until `count` of a subscription's deliveries are `delivered` in the ledger. A sink counts a
 * request when it arrives; the attempt row and the delivered status are written after its response,
 * so a test that counts rows waits for this first.
 */
export async function waitForDeliveredRows(
  stack: TestStack,
  subscriptionId: string,
  count: number,
  timeoutMs = 60_000,
) {
  await waitFor(
    async () => {
      const [row] = await stack.db.execute<{ n: number }>(
        sql`select count(*)::int as n from deliveries where subscription_id = ${subscriptionId} and status = 'delivered'`,
      );
      return row!.n >= count;
    },
    { timeoutMs, what: `${count} delivered rows of ${subscriptionId}` },
  );
}

/** Waits for an event's deliveries to reach `status` and returns the event detail. */
export async function waitForDeliveryStatus(stack: TestStack, eventId: string, status: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const detail = await manage(stack, 'GET', `/v1/events/${eventId}`);
      const deliveries = detail.body?.deliveries as { status: string }[] | undefined;
      return deliveries && deliveries.length > 0 && deliveries.every((d) => d.status === status)
        ? detail.body
        : undefined;
    },
    { timeoutMs, what: `deliveries of ${eventId} to be ${status}` },
  );
}

/** Waits for the open dead letter of a delivery workflow and returns it. */
export async function waitForDeadLetter(
  stack: TestStack,
  subscriptionId: string,
  eventId: string,
  status = 'open',
  timeoutMs = 30_000,
) {
  return waitFor(
    async () => {
      const page = await manage(
        stack,
        'GET',
        `/v1/dead-letters?subscriptionId=${subscriptionId}&status=${status}&limit=200`,
      );
      return (page.body.data as { eventId: string }[]).find((d) => d.eventId === eventId) as
        Record<string, any> | undefined;
    },
    { timeoutMs, what: `a ${status} dead letter for ${eventId}` },
  );
}
