import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../db/client.js';
import { isDatabaseUnavailable, rootMessage, withinDeadline } from '../db/availability.js';
import { loadDeliveryTarget, markCancelled, noteDeliveryError } from '../db/delivery-target.js';
import { reserveSendSlot } from '../delivery/rate-slot.js';
import { deliveryFailureTypes } from '../domain/failures.js';
import type { DeliveryAttemptInput, DeliveryAttemptResult } from '../domain/workflow-io.js';
import type { ActivityDependencies } from './deps.js';
import { buildSignedMessage, sendMessage, settleAttempt, shapeMessage, type ReadyTarget } from './delivery-stages.js';
import { recordAttemptPersistently } from './record-attempt.js';

const EXCERPT_BYTES = 1024;
/** A rate-limit slot at most this far away is waited for inside the activity; farther, by a workflow timer. */
const IN_ACTIVITY_WAIT_MS = 1_000;

/**
 * One delivery attempt, in named stages: load the target (the subscription as of now, so an
 * operator's fix applies to the next retry), reserve a rate slot, build and sign the message, send
 * it, record the attempt, and settle the outcome for Temporal's retry policy: retryable failures are
 * thrown as retryable, the rest as non-retryable types. Our own PostgreSQL outage before the send is
 * a result (`dependency_unavailable`), not a failure: the lane waits without spending an attempt.
 */
export function deliverWebhookActivity({ db, config, logger, metrics }: ActivityDependencies) {
  const targetPolicy = { allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, requireHttps: config.REQUIRE_HTTPS };
  const limits = { timeoutMs: config.DELIVERY_TIMEOUT_MS, maxResponseBytes: config.DELIVERY_RESPONSE_MAX_BYTES };
  return async function deliverWebhook(input: DeliveryAttemptInput): Promise<DeliveryAttemptResult> {
    const log = logger.child({
      traceId: input.traceId,
      eventId: input.eventId,
      deliveryId: input.deliveryId,
      subscriptionId: input.subscriptionId,
    });
    const ourOutage = (error: unknown): DeliveryAttemptResult => {
      if (!isDatabaseUnavailable(error)) throw error;
      const reason = `PostgreSQL unavailable: ${rootMessage(error)}`;
      log.warn({ event: 'dependency_unavailable', dependency: 'PostgreSQL', reason }, 'dependency unavailable');
      metrics?.dependencyUnavailable.inc({ dependency: 'postgresql' });
      return { kind: 'dependency_unavailable', reason, temporalAttempt: Context.current().info.attempt };
    };
    try {
      const target = await loadTarget(db, input.deliveryId);
      if ('kind' in target) return target;
      const throttled = await reserveRateSlot(db, target);
      if (throttled) return throttled;
      const shaped = await shapeMessage(target, config.TRANSFORM_TIMEOUT_MS);
      if (!shaped) {
        await beforeSend(markCancelled(db, input.deliveryId));
        metrics?.transformCancelled.inc({ subscription: input.subscriptionId });
        log.info({ event: 'delivery_cancelled' }, 'the subscription transform cancelled the delivery');
        return { kind: 'cancelled', attempts: target.delivery.attempts };
      }
      const message = buildSignedMessage(target, shaped);
      const sent = await sendMessage(message, limits, targetPolicy);
      metrics?.deliveryAttempts.inc({ outcome: sent.outcome.kind });
      metrics?.attemptLatency.observe({ outcome: sent.outcome.kind }, sent.durationMs);
      const attempts = await recordAttemptPersistently(db, {
        deliveryId: input.deliveryId,
        subscriptionId: input.subscriptionId,
        startedAt: message.startedAt,
        durationMs: sent.durationMs,
        statusCode: sent.response?.status ?? null,
        error: sent.error,
        responseExcerpt: sent.response ? sent.response.body.subarray(0, EXCERPT_BYTES).toString('utf8') : null,
        delivered: sent.outcome.kind === 'delivered',
        bodyBytes: Buffer.byteLength(message.body),
        bodySha256: createHash('sha256').update(message.body).digest('hex'),
      });
      const statusCode = sent.response?.status ?? null;
      log.info(
        {
          event: 'delivery_attempt',
          attempt: attempts,
          statusCode,
          durationMs: sent.durationMs,
          outcome: sent.outcome.kind,
        },
        'delivery attempt',
      );
      return settleAttempt(input, sent, attempts, log);
    } catch (error) {
      if (error instanceof PreSendOutage) return ourOutage(error.cause);
      throw error;
    }
  };
}

/**
 * Loads what the attempt needs in one round trip. A retry after a crash that followed a recorded
 * 2xx answers `delivered` without sending; a purged event or a disabled/deleted subscription ends
 * the delivery for good (`subscription_disabled`).
 */
async function loadTarget(db: Database, deliveryId: string): Promise<ReadyTarget | DeliveryAttemptResult> {
  const target = await beforeSend(loadDeliveryTarget(db, deliveryId));
  const { delivery, subscription, event } = target ?? {};
  if (delivery?.status === 'delivered')
    return { kind: 'delivered', statusCode: delivery.lastStatusCode ?? 200, attempts: delivery.attempts };
  if (delivery?.status === 'cancelled') return { kind: 'cancelled', attempts: delivery.attempts };
  if (target && subscription?.enabled) return { ...target, subscription };
  const why = !event
    ? 'the event no longer exists'
    : !subscription
      ? 'the subscription was deleted'
      : `the subscription is disabled (${subscription.disabledReason ?? 'manual'})`;
  await beforeSend(noteDeliveryError(db, deliveryId, why));
  throw ApplicationFailure.nonRetryable(why, deliveryFailureTypes.disabled);
}

/** Takes the subscription's next send slot: waits inside the activity when it is close, else hands the wait to a workflow timer. */
async function reserveRateSlot(db: Database, target: ReadyTarget): Promise<DeliveryAttemptResult | undefined> {
  const perSecond = target.subscription.rateLimitPerSecond;
  if (!perSecond) return undefined;
  const slot = await beforeSend(reserveSendSlot(db, target.subscription.id, perSecond, IN_ACTIVITY_WAIT_MS));
  if ('throttledForMs' in slot)
    return { kind: 'throttled', waitMs: slot.throttledForMs, temporalAttempt: Context.current().info.attempt };
  if (slot.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, slot.waitMs));
  return undefined;
}

/** A PostgreSQL failure before the send (deadline-bounded): the activity answers `dependency_unavailable` if it is an outage. */
class PreSendOutage extends Error {
  constructor(override readonly cause: unknown) {
    super('PostgreSQL failed before the send');
  }
}

function beforeSend<T>(query: PromiseLike<T>): Promise<T> {
  return withinDeadline(query).catch((error: unknown) => {
    throw new PreSendOutage(error);
  });
}
