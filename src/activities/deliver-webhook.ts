import { ApplicationFailure, Context } from '@temporalio/activity';
import { eq } from 'drizzle-orm';
import { BlockedTargetError, NoResponseError, sendRequest, type OutboundResponse } from '../delivery/http-client.js';
import { classifyResponse, type AttemptOutcome } from '../delivery/outcome.js';
import { delayAfterAttempt } from '../domain/delivery-policy.js';
import { deliveryFailureTypes } from '../domain/failures.js';
import { deliveryBody, deliveryHeaders, signingSecrets } from '../delivery/outbound-message.js';
import { deliveries, events, subscriptions } from '../db/schema.js';
import type { DeliveryAttemptInput, DeliveryAttemptResult } from '../domain/workflow-io.js';
import type { ActivityDependencies } from './deps.js';
import { recordAttemptPersistently } from './record-attempt.js';
import { reserveSendSlot } from '../delivery/rate-slot.js';
import { isDatabaseUnavailable, rootMessage, withinDeadline } from '../db/availability.js';

export const USER_AGENT = 'Hookflow/0.1.0';
const EXCERPT_BYTES = 1024;
/** A rate-limit slot at most this far away is waited for inside the activity; farther, by a workflow timer. */
const IN_ACTIVITY_WAIT_MS = 1_000;

type Outcome = AttemptOutcome | { kind: 'blocked' };

/**
 * One delivery attempt: loads the subscription now (so an operator's fix applies to the next
 * retry), sends the signed POST, records the attempt, and classifies the outcome for Temporal's
 * retry policy: retryable failures are thrown as retryable, the rest as non-retryable types.
 */
export function deliverWebhookActivity({ db, config, logger, metrics }: ActivityDependencies) {
  const targetPolicy = { allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, requireHttps: config.REQUIRE_HTTPS };
  return async function deliverWebhook(input: DeliveryAttemptInput): Promise<DeliveryAttemptResult> {
    const log = logger.child({
      traceId: input.traceId,
      eventId: input.eventId,
      deliveryId: input.deliveryId,
      subscriptionId: input.subscriptionId,
    });
    // Our own outage is not the endpoint's failure: before the POST, a PostgreSQL that cannot be
    // reached ends the activity with a result (no attempt spent); the lane waits and calls again.
    const ourOutage = (error: unknown): DeliveryAttemptResult => {
      if (!isDatabaseUnavailable(error)) throw error;
      const reason = `PostgreSQL unavailable: ${rootMessage(error)}`;
      log.warn({ event: 'dependency_unavailable', dependency: 'PostgreSQL', reason }, 'dependency unavailable');
      metrics?.dependencyUnavailable.inc({ dependency: 'postgresql' });
      return { kind: 'dependency_unavailable', reason, temporalAttempt: Context.current().info.attempt };
    };
    // One round trip for everything the attempt needs (a delivery whose event was purged has no row left).
    const loaded = await withinDeadline(
      db
        .select({
          delivery: {
            status: deliveries.status,
            attempts: deliveries.attempts,
            lastStatusCode: deliveries.lastStatusCode,
          },
          subscription: subscriptions,
          event: {
            id: events.id,
            eventType: events.eventType,
            sourceId: events.sourceId,
            receivedAt: events.receivedAt,
            payload: events.payload,
            processedPayload: events.processedPayload,
          },
        })
        .from(deliveries)
        .innerJoin(events, eq(events.id, deliveries.eventId))
        .leftJoin(subscriptions, eq(subscriptions.id, deliveries.subscriptionId))
        .where(eq(deliveries.id, input.deliveryId)),
    ).then((rows) => ({ row: rows[0] }), ourOutage);
    if (!('row' in loaded)) return loaded;
    const { delivery, subscription, event } = loaded.row ?? {
      delivery: undefined,
      subscription: undefined,
      event: undefined,
    };
    // A retry after a crash that followed a recorded 2xx must not deliver twice.
    if (delivery?.status === 'delivered')
      return { kind: 'delivered', statusCode: delivery.lastStatusCode ?? 200, attempts: delivery.attempts };
    if (!subscription || !subscription.enabled || !event) {
      const why = !event
        ? 'the event no longer exists'
        : !subscription
          ? 'the subscription was deleted'
          : `the subscription is disabled (${subscription.disabledReason ?? 'manual'})`;
      const noted = await db
        .update(deliveries)
        .set({ lastError: why })
        .where(eq(deliveries.id, input.deliveryId))
        .then(() => undefined, ourOutage);
      if (noted) return noted;
      throw ApplicationFailure.nonRetryable(why, deliveryFailureTypes.disabled);
    }

    if (subscription.rateLimitPerSecond) {
      const slot = await withinDeadline(
        reserveSendSlot(db, subscription.id, subscription.rateLimitPerSecond, IN_ACTIVITY_WAIT_MS),
      ).catch(ourOutage);
      if ('kind' in slot) return slot;
      if ('throttledForMs' in slot)
        return { kind: 'throttled', waitMs: slot.throttledForMs, temporalAttempt: Context.current().info.attempt };
      if (slot.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, slot.waitMs));
    }

    const body = deliveryBody({
      id: event.id,
      eventType: event.eventType,
      sourceId: event.sourceId,
      receivedAt: event.receivedAt,
      data: event.processedPayload ?? event.payload,
    });
    const now = new Date();
    const headers = deliveryHeaders(
      event.id,
      body,
      signingSecrets(subscription, now),
      now,
      subscription.headers,
      USER_AGENT,
    );
    const started = Date.now();
    let response: OutboundResponse | undefined;
    let outcome: Outcome;
    let error: string | null = null;
    try {
      response = await sendRequest(
        {
          method: 'POST',
          url: subscription.url,
          headers,
          body,
          timeoutMs: config.DELIVERY_TIMEOUT_MS,
          maxResponseBytes: config.DELIVERY_RESPONSE_MAX_BYTES,
        },
        targetPolicy,
      );
      const retryAfter = response.headers['retry-after'];
      outcome = classifyResponse(response.status, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
      // Standard Webhooks delivery control: the endpoint asks us to stop retrying this message.
      if (
        outcome.kind === 'retryable' &&
        String(response.headers['webhook-delivery'] ?? '').toLowerCase() === 'abort-message'
      )
        outcome = { kind: 'rejected' };
      if (outcome.kind !== 'delivered') error = `HTTP ${response.status}`;
    } catch (caught) {
      if (caught instanceof BlockedTargetError) outcome = { kind: 'blocked' };
      else if (caught instanceof NoResponseError) outcome = { kind: 'retryable' };
      else throw caught;
      error = (caught as Error).message;
    }
    const durationMs = Date.now() - started;
    metrics?.deliveryAttempts.inc({ outcome: outcome.kind });
    metrics?.attemptLatency.observe({ outcome: outcome.kind }, durationMs);
    const attempts = await recordAttemptPersistently(db, {
      deliveryId: input.deliveryId,
      subscriptionId: input.subscriptionId,
      startedAt: now,
      durationMs,
      statusCode: response?.status ?? null,
      error,
      responseExcerpt: response ? response.body.subarray(0, EXCERPT_BYTES).toString('utf8') : null,
      delivered: outcome.kind === 'delivered',
    });
    log.info(
      {
        event: 'delivery_attempt',
        attempt: attempts,
        statusCode: response?.status ?? null,
        durationMs,
        outcome: outcome.kind,
      },
      'delivery attempt',
    );

    switch (outcome.kind) {
      case 'delivered':
        log.info({ event: 'delivery_succeeded', attempts }, 'delivered');
        return { kind: 'delivered', statusCode: response!.status, attempts };
      case 'retryable': {
        const retryAfter =
          outcome.retryAfterMs === undefined ? undefined : Math.min(outcome.retryAfterMs, input.maximumIntervalMs);
        const temporalAttempt = Context.current().info.attempt;
        // A fixed schedule sets every next delay itself (Temporal's pending-activity panel shows it);
        // a Retry-After overrides one delay.
        const scheduled = input.schedule
          ? delayAfterAttempt(
              { schedule: input.schedule },
              input.schedule.attemptsBefore + temporalAttempt,
              Math.random,
            )
          : undefined;
        const delay = retryAfter ?? scheduled;
        if (temporalAttempt < input.maximumAttempts)
          log.info({ event: 'delivery_retry_scheduled', attempts, retryAfterMs: delay ?? null }, 'retry scheduled');
        // The delay travels in the details too: a lane whose first attempt ran as a local activity
        // schedules the next one itself (Temporal does not hand nextRetryDelay back to workflow code).
        throw ApplicationFailure.create({
          message: error ?? 'delivery failed',
          type: deliveryFailureTypes.retryable,
          nextRetryDelay: delay,
          details: [{ attempts, retryAfterMs: retryAfter ?? null }],
        });
      }
      case 'rejected':
        throw ApplicationFailure.nonRetryable(
          `${error}: the endpoint rejected the message`,
          deliveryFailureTypes.rejected,
          { attempts },
        );
      case 'blocked':
        throw ApplicationFailure.nonRetryable(`blocked target: ${error}`, deliveryFailureTypes.blocked, { attempts });
    }
  };
}
