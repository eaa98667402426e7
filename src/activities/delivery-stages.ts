// The stages of one delivery attempt after its target is loaded and its rate slot reserved: build
// and sign the message, send it, classify the answer, and settle the attempt for Temporal's retry
// policy (svix's worker names the same steps prepare_dispatch / make_http_call / handle_*_dispatch).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { BlockedTargetError, NoResponseError, sendRequest, type OutboundResponse } from '../delivery/http-client.js';
import { classifyResponse, type AttemptOutcome } from '../delivery/outcome.js';
import { deliveryEnvelope, deliveryHeaders, signingSecrets } from '../delivery/outbound-message.js';
import { runTransform, TransformFailed } from '../delivery/transform.js';
import type { DeliveryTarget } from '../db/delivery-target.js';
import { delayAfterAttempt } from '../domain/delivery-policy.js';
import { deliveryFailureTypes } from '../domain/failures.js';
import type { DeliveryAttemptInput, DeliveryAttemptResult } from '../domain/workflow-io.js';
import type { Logger } from '../logging.js';
import type { TargetPolicy } from '../delivery/http-client.js';

export const USER_AGENT = 'Hookflow/0.1.0';

export type Outcome = AttemptOutcome | { kind: 'blocked' };

/** A target that can be sent to: its event exists and its subscription is enabled. */
export type ReadyTarget = DeliveryTarget & { subscription: NonNullable<DeliveryTarget['subscription']> };

/** The body and extra headers an attempt sends, after the subscription's transformation (if any). */
export interface ShapedMessage {
  body: string;
  headers: Record<string, string>;
}

/**
 * Shapes what is sent: the standard envelope, or what the subscription's JSONata transform makes of
 * it (README "Transformations"). `undefined` when the transform cancels the delivery; a failing
 * transform ends the delivery non-retryably as `transform_failed` (it would fail the same way again).
 */
export async function shapeMessage(
  target: ReadyTarget,
  transformTimeoutMs: number,
): Promise<ShapedMessage | undefined> {
  const { event, subscription } = target;
  const envelope = deliveryEnvelope({
    id: event.id,
    eventType: event.eventType,
    sourceId: event.sourceId,
    receivedAt: event.receivedAt,
    data: event.processedPayload ?? event.payload,
  });
  if (!subscription.transform) return { body: JSON.stringify(envelope), headers: subscription.headers };
  try {
    const output = await runTransform(
      subscription.transform,
      { ...envelope, headers: event.headers },
      { timeoutMs: transformTimeoutMs },
    );
    if (output.cancelled) return undefined;
    return { body: JSON.stringify(output.body), headers: { ...subscription.headers, ...output.headers } };
  } catch (error) {
    if (!(error instanceof TransformFailed)) throw error;
    throw ApplicationFailure.nonRetryable(`transform failed: ${error.message}`, deliveryFailureTypes.transformFailed);
  }
}

/** The signed request for one attempt: identical body bytes on every attempt, a fresh timestamp and signature. */
export function buildSignedMessage(target: ReadyTarget, shaped: ShapedMessage) {
  const now = new Date();
  const headers = deliveryHeaders(
    target.event.id,
    shaped.body,
    signingSecrets(target.subscription, now),
    now,
    shaped.headers,
    USER_AGENT,
  );
  return { url: target.subscription.url, body: shaped.body, headers, startedAt: now };
}

/** What one HTTP exchange came to: the answer (if any), its outcome, and the error text to record. */
export interface Sent {
  response: OutboundResponse | undefined;
  outcome: Outcome;
  error: string | null;
  durationMs: number;
}

/** Sends the message once and classifies the answer (redirects are not followed; the target is checked at connect). */
export async function sendMessage(
  message: ReturnType<typeof buildSignedMessage>,
  limits: { timeoutMs: number; maxResponseBytes: number },
  targetPolicy: TargetPolicy,
): Promise<Sent> {
  const started = Date.now();
  try {
    const response = await sendRequest({ method: 'POST', ...message, ...limits }, targetPolicy);
    const retryAfter = response.headers['retry-after'];
    let outcome: Outcome = classifyResponse(response.status, Array.isArray(retryAfter) ? retryAfter[0] : retryAfter);
    // Standard Webhooks delivery control: the endpoint asks us to stop retrying this message.
    if (
      outcome.kind === 'retryable' &&
      String(response.headers['webhook-delivery'] ?? '').toLowerCase() === 'abort-message'
    )
      outcome = { kind: 'rejected' };
    const error = outcome.kind === 'delivered' ? null : `HTTP ${response.status}`;
    return { response, outcome, error, durationMs: Date.now() - started };
  } catch (caught) {
    if (!(caught instanceof BlockedTargetError) && !(caught instanceof NoResponseError)) throw caught;
    const outcome: Outcome = caught instanceof BlockedTargetError ? { kind: 'blocked' } : { kind: 'retryable' };
    return { response: undefined, outcome, error: caught.message, durationMs: Date.now() - started };
  }
}

/**
 * Ends the activity as its outcome says: a result when delivered, else an ApplicationFailure whose
 * type the retry policy and the dead-letter reason read (a retryable one carries the next delay).
 */
export function settleAttempt(
  input: DeliveryAttemptInput,
  sent: Sent,
  attempts: number,
  log: Logger,
): DeliveryAttemptResult {
  const { outcome, error } = sent;
  switch (outcome.kind) {
    case 'delivered':
      log.info({ event: 'delivery_succeeded', attempts }, 'delivered');
      return { kind: 'delivered', statusCode: sent.response!.status, attempts };
    case 'retryable': {
      const retryAfter =
        outcome.retryAfterMs === undefined ? undefined : Math.min(outcome.retryAfterMs, input.maximumIntervalMs);
      const temporalAttempt = Context.current().info.attempt;
      // A fixed schedule sets every next delay itself (Temporal's pending-activity panel shows it);
      // a Retry-After overrides one delay.
      const scheduled = input.schedule
        ? delayAfterAttempt({ schedule: input.schedule }, input.schedule.attemptsBefore + temporalAttempt, Math.random)
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
        {
          attempts,
        },
      );
    case 'blocked':
      throw ApplicationFailure.nonRetryable(`blocked target: ${error}`, deliveryFailureTypes.blocked, { attempts });
  }
}
