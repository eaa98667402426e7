import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Database } from '../db/client.js';
import { isDatabaseUnavailable, rootMessage, withinDeadline } from '../db/availability.js';
import {
  claimSendAndLoad,
  loadDeliveryTarget,
  markCancelled,
  noteDeliveryError,
  type ClaimedTarget,
  type DeliveryTarget,
} from '../db/delivery-target.js';
import { claimProbe } from '../db/endpoint-hold.js';
import { circuitBreakerOf, type CircuitBreaker } from '../domain/delivery-policy.js';
import type { HoldReason } from '../domain/vocabulary.js';
import type { Logger } from '../logging.js';
import { reportCircuitChange } from './circuit-transitions.js';
import { reserveSendSlot } from '../delivery/rate-slot.js';
import { deliveryFailureTypes } from '../domain/failures.js';
import type { DeliveryAttemptInput, DeliveryAttemptResult } from '../domain/workflow-io.js';
import type { ActivityDependencies } from './deps.js';
import {
  buildSignedMessage,
  sendMessage,
  settleAttempt,
  shapeMessage,
  type ReadyTarget,
  type ShapedMessage,
} from './delivery-stages.js';
import { recordAttemptPersistently } from './record-attempt.js';

const EXCERPT_BYTES = 1024;
/** The shortest wait of a lane held by an open circuit (its probe just went to another lane). */
const MIN_HOLD_MS = 250;
/** A rate-limit slot at most this far away is waited for inside the activity; farther, by a workflow timer. */
const IN_ACTIVITY_WAIT_MS = 1_000;
/** How long a local first attempt holds the send beyond the request's own timeout. */
const SEND_LEASE_MARGIN_MS = 5_000;

/**
 * One delivery attempt, in named stages: load the target (the subscription as of now, so an
 * operator's fix applies to the next retry), hold it while the subscription is paused or its circuit
 * open (unless it is the probe), reserve a rate slot, shape the body (transform), build and sign the
 * message, send it, record the attempt, and settle the outcome for Temporal's retry policy: retryable
 * failures are thrown as retryable, the rest as non-retryable types. Our own PostgreSQL outage before
 * the send is a result (`dependency_unavailable`), not a failure: the lane waits without spending an attempt.
 */
export function deliverWebhookActivity(deps: ActivityDependencies) {
  const { db, config, logger, metrics } = deps;
  const breakerDefaults = {
    failureThreshold: config.CIRCUIT_BREAKER_FAILURE_THRESHOLD,
    probeIntervalMs: config.CIRCUIT_BREAKER_PROBE_INTERVAL,
  };
  return async function deliverWebhook(input: DeliveryAttemptInput): Promise<DeliveryAttemptResult> {
    const log = logger.child({
      traceId: input.traceId,
      eventId: input.eventId,
      deliveryId: input.deliveryId,
      subscriptionId: input.subscriptionId,
    });
    try {
      // Only a local first attempt can run twice at once (docs/architecture.md, "Delivery attempts").
      const sendLeaseMs = Context.current().info.isLocal
        ? config.DELIVERY_TIMEOUT_MS + SEND_LEASE_MARGIN_MS
        : undefined;
      const target = await loadTarget(db, input.deliveryId, sendLeaseMs);
      if ('kind' in target) {
        if (target.kind === 'throttled')
          log.warn(
            { event: 'delivery_send_in_flight' },
            'another execution of this attempt is sending; waiting for it',
          );
        return target;
      }
      const breaker = circuitBreakerOf(target.subscription.circuitBreaker ?? null, breakerDefaults);
      const gate = await holdOrProbe(db, target, breaker, config.PAUSE_RECHECK_INTERVAL);
      if (gate.held) return gate.held;
      const throttled = await reserveRateSlot(db, target);
      if (throttled) return throttled;
      const shaped = await shapeMessage(target, config.TRANSFORM_TIMEOUT_MS);
      if (!shaped) {
        await beforeSend(markCancelled(db, input.deliveryId));
        metrics?.transformCancelled.inc({ subscription: input.subscriptionId });
        log.info({ event: 'delivery_cancelled' }, 'the subscription transform cancelled the delivery');
        return { kind: 'cancelled', attempts: target.delivery.attempts };
      }
      return await sendAndRecord(deps, input, { target, shaped, breaker, probe: gate.probe }, log);
    } catch (error) {
      if (error instanceof PreSendOutage) return ourOutage(error.cause, log, metrics);
      throw error;
    }
  };
}

/** Our own PostgreSQL outage before the send: a result, not a failure (the lane waits, no attempt spent). */
function ourOutage(error: unknown, log: Logger, metrics: ActivityDependencies['metrics']): DeliveryAttemptResult {
  if (!isDatabaseUnavailable(error)) throw error;
  const reason = `PostgreSQL unavailable: ${rootMessage(error)}`;
  log.warn({ event: 'dependency_unavailable', dependency: 'PostgreSQL', reason }, 'dependency unavailable');
  metrics?.dependencyUnavailable.inc({ dependency: 'postgresql' });
  return { kind: 'dependency_unavailable', reason, temporalAttempt: Context.current().info.attempt };
}

/** One attempt that will send: the message, its circuit breaker, and whether it is the open circuit's probe. */
interface Sending {
  target: ReadyTarget;
  shaped: ShapedMessage;
  breaker: CircuitBreaker | undefined;
  probe: boolean;
}

/**
 * Signs and sends the message, records the attempt (which may open or close the circuit) and settles
 * the outcome. A retryable failure that finds the circuit open (a failed probe, or the failure that
 * opened it) is recorded like any attempt but spends no retry budget: the lane is held until the next probe.
 */
async function sendAndRecord(
  deps: ActivityDependencies,
  input: DeliveryAttemptInput,
  { target, shaped, breaker, probe }: Sending,
  log: Logger,
): Promise<DeliveryAttemptResult> {
  const { db, config, metrics } = deps;
  const message = buildSignedMessage(target, shaped);
  const sent = await sendMessage(
    message,
    { timeoutMs: config.DELIVERY_TIMEOUT_MS, maxResponseBytes: config.DELIVERY_RESPONSE_MAX_BYTES },
    { allowPrivateTargets: config.ALLOW_PRIVATE_TARGETS, requireHttps: config.REQUIRE_HTTPS },
  );
  metrics?.deliveryAttempts.inc({ outcome: sent.outcome.kind });
  metrics?.attemptLatency.observe({ outcome: sent.outcome.kind }, sent.durationMs);
  const recorded = await recordAttemptPersistently(db, {
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
    circuit: breaker && { ...breaker, countsFailure: sent.outcome.kind === 'retryable' },
  });
  const attempts = recorded.attempt;
  log.info(
    {
      event: 'delivery_attempt',
      attempt: attempts,
      statusCode: sent.response?.status ?? null,
      durationMs: sent.durationMs,
      outcome: sent.outcome.kind,
      ...(probe ? { probe: true } : {}),
    },
    'delivery attempt',
  );
  if (recorded.circuit) reportCircuitChange(deps, input.subscriptionId, recorded.circuit, log);
  // A retryable failure made while the circuit is open — the probe's, the one that opened it, or one
  // that raced another lane's opening — spends no budget: the lane waits for the next probe instead.
  if (breaker && sent.outcome.kind === 'retryable' && (probe || recorded.circuitOpen))
    return held('circuit_open', breaker.probeIntervalMs);
  return settleAttempt(input, sent, attempts, log);
}

const held = (reason: HoldReason, waitMs: number): DeliveryAttemptResult => ({
  kind: 'held',
  reason,
  waitMs,
  temporalAttempt: Context.current().info.attempt,
});

/**
 * Whether the attempt may go out: not while the subscription is paused; while its circuit is open,
 * only as the interval's one probe. A held lane waits until resumed or its recheck time: the pause
 * recheck interval, or a moment after the next probe is due (spread, so they do not all wake at once).
 */
async function holdOrProbe(
  db: Database,
  target: ReadyTarget,
  breaker: CircuitBreaker | undefined,
  pauseRecheckMs: number,
): Promise<{ held?: DeliveryAttemptResult; probe: boolean }> {
  const { subscription } = target;
  if (subscription.pausedAt) return { held: held('paused', pauseRecheckMs), probe: false };
  if (!subscription.circuitOpenedAt || !breaker) return { probe: false };
  if (await beforeSend(claimProbe(db, subscription.id, breaker.probeIntervalMs))) return { probe: true };
  const dueInMs = (subscription.circuitNextProbeAt?.getTime() ?? Date.now()) - Date.now();
  const spread = Math.random() * Math.min(5_000, breaker.probeIntervalMs / 4);
  const waitMs = Math.min(pauseRecheckMs, Math.max(MIN_HOLD_MS, dueInMs) + spread);
  return { held: held('circuit_open', Math.round(waitMs)), probe: false };
}

/**
 * Loads what the attempt needs in one round trip (taking the send for `sendLeaseMs` when given). A
 * retry after a crash that followed a recorded 2xx answers `delivered` without sending; an execution
 * that finds the send held by another waits for it; a purged event or a disabled/deleted subscription
 * ends the delivery for good (`subscription_disabled`).
 */
async function loadTarget(
  db: Database,
  deliveryId: string,
  sendLeaseMs: number | undefined,
): Promise<ReadyTarget | DeliveryAttemptResult> {
  const target: DeliveryTarget | ClaimedTarget | undefined = await beforeSend(
    sendLeaseMs === undefined ? loadDeliveryTarget(db, deliveryId) : claimSendAndLoad(db, deliveryId, sendLeaseMs),
  );
  const { delivery, subscription, event } = target ?? {};
  if (delivery?.status === 'delivered')
    return { kind: 'delivered', statusCode: delivery.lastStatusCode ?? 200, attempts: delivery.attempts };
  if (delivery?.status === 'cancelled') return { kind: 'cancelled', attempts: delivery.attempts };
  const claim = sendLeaseMs === undefined ? undefined : (target as ClaimedTarget | undefined);
  if (claim && !claim.claimed) {
    const leftMs = (claim.heldUntil?.getTime() ?? Date.now()) - Date.now();
    return {
      kind: 'throttled',
      waitMs: Math.max(MIN_HOLD_MS, leftMs),
      temporalAttempt: Context.current().info.attempt,
    };
  }
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
