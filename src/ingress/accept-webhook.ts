import { createHash } from 'node:crypto';
import type { EventData } from '../domain/workflow-io.js';
import { eventIdFor, normaliseIdempotencyKey } from '../ids.js';
import type { Logger } from '../logging.js';
import { courierEnvelopeSchema } from '../schemes/hmac-sha256.js';
import { schemes, type SignedRequest } from '../schemes/index.js';
import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import { outboxTargetOf } from '../db/ingress-outbox.js';
import { createOutboxSpiller } from '../db/outbox-spiller.js';
import { workflowIds } from '../domain/workflow-ids.js';
import { TemporalUnavailable, type WorkflowStarter } from '../temporal/workflow-client.js';
import { extractValue } from './extract.js';
import type { RateLimiter } from './rate-limiter.js';
import { BodyTooLarge, readBodyWithLimit } from './read-body.js';
import { activeSecrets, isJsonContentType, selectStoredHeaders, unstorableJsonProblem } from './request-checks.js';
import type { IngressSource } from './source-cache.js';

// How long a sender should wait before retrying when a dependency is down.
const TEMPORAL_RETRY_AFTER_SECONDS = 5;
const POSTGRES_RETRY_AFTER_SECONDS = 5;

/** What ingress needs: the cached source lookup, the rate limiter, and a way to start the event workflow. */
export interface IngressDependencies {
  sources: { get(id: string): Promise<IngressSource | undefined> };
  rateLimiter: RateLimiter;
  /** Starts (or finds) the event workflow; throws TemporalUnavailable when Temporal cannot take it. */
  startEvent(event: EventData): Promise<{ workflowId: string; duplicate: boolean }>;
  /** Writes the webhook to the PostgreSQL outbox; `inserted: false` when its key is known already. */
  spill(event: EventData): Promise<{ inserted: boolean }>;
  /** How long the start may take before the webhook spills to the outbox (0: always; null: never). */
  spillAfterMs: number | null;
}

/** Ingress wired to Temporal: the event workflow starts on the configured task queue. */
export function ingressDependencies(
  deps: { config: Config; starter: WorkflowStarter; db: Database } & Pick<
    IngressDependencies,
    'sources' | 'rateLimiter'
  >,
): IngressDependencies {
  const outbox = createOutboxSpiller(deps.db, outboxTargetOf(deps.config));
  return {
    sources: deps.sources,
    rateLimiter: deps.rateLimiter,
    startEvent: (event) => deps.starter.startEvent(event),
    spill: (input) => outbox.spill(input),
    spillAfterMs: deps.config.INGRESS_SPILLOVER_AFTER,
  };
}

/** One inbound webhook as the route hands it over: the request (body unread) and its trace. */
export interface InboundWebhook {
  request: Request;
  header(name: string): string | undefined;
  traceId: string;
  log: Logger;
}

/** A webhook durably handed to Temporal (or found there already: a duplicate). */
export interface Accepted {
  accepted: true;
  duplicate: boolean;
  eventId: string;
  idempotencyKey: string;
  eventType: string;
  workflowId: string;
  receivedAt: string;
  /** Written to the outbox (Temporal was slow or down): the relay starts it. */
  spilled: boolean;
}

/** Why a webhook was refused, one kind per ingress check (docs/architecture.md, "The path of a webhook"); nothing of it was kept. */
export type Refusal = { accepted: false } & (
  | { kind: 'unknown-source'; sourceId: string }
  | { kind: 'too-large'; limitBytes: number }
  | { kind: 'unsupported-media-type'; contentType: string | undefined }
  | { kind: 'invalid-signature'; reason: string }
  | { kind: 'invalid-body'; detail: string }
  | { kind: 'invalid-envelope'; issues: readonly { path: readonly PropertyKey[]; message: string }[] }
  | { kind: 'rate-limited'; retryAfterSeconds: number }
  | { kind: 'unavailable'; dependency: 'PostgreSQL' | 'Temporal'; retryAfterSeconds: number }
);

type RefusalDetails = Refusal extends infer R ? (R extends unknown ? Omit<R, 'accepted'> : never) : never;
const refuse = (details: RefusalDetails): Refusal => ({ accepted: false, ...details }) as Refusal;

function parseJson(rawBody: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      message:
        error instanceof TypeError ? 'body is not valid UTF-8' : `body is not valid JSON (${(error as Error).message})`,
    };
  }
}

/**
 * The ingress pipeline (docs/architecture.md, "The path of a webhook"), in its order: source (404), size (413), media type (415),
 * signature (401), body (400), rate limit (429); then the deduplicated workflow start (503 when
 * Temporal cannot take it). Only an accepted webhook has been handed on.
 */
export async function acceptWebhook(
  deps: IngressDependencies,
  sourceId: string,
  inbound: InboundWebhook,
): Promise<Accepted | Refusal> {
  let source: IngressSource | undefined;
  try {
    source = await deps.sources.get(sourceId);
  } catch (error) {
    inbound.log.error({ err: error }, 'source lookup failed');
    return refuse({ kind: 'unavailable', dependency: 'PostgreSQL', retryAfterSeconds: POSTGRES_RETRY_AFTER_SECONDS });
  }
  if (!source || !source.enabled) return refuse({ kind: 'unknown-source', sourceId });

  let rawBody: Buffer;
  try {
    rawBody = await readBodyWithLimit(inbound.request, source.maxBodyBytes);
  } catch (error) {
    if (error instanceof BodyTooLarge) return refuse({ kind: 'too-large', limitBytes: source.maxBodyBytes });
    throw error;
  }

  const contentType = inbound.header('content-type');
  if (!isJsonContentType(contentType)) return refuse({ kind: 'unsupported-media-type', contentType });

  const receivedAt = new Date();
  const signed: SignedRequest = {
    header: inbound.header,
    rawBody,
    nowSeconds: Math.floor(receivedAt.getTime() / 1000),
  };
  const scheme = schemes[source.scheme];
  const verification = scheme.verify({
    ...signed,
    secrets: activeSecrets(source.secrets, receivedAt),
    toleranceSeconds: source.toleranceSeconds,
  });
  if (!verification.ok) return refuse({ kind: 'invalid-signature', reason: verification.reason });

  const body = checkedBody(source, rawBody);
  if ('refused' in body) return body.refused;

  if (source.rateLimitPerMinute) {
    const decision = deps.rateLimiter.take(source.id, source.rateLimitPerMinute);
    if (!decision.allowed) return refuse({ kind: 'rate-limited', retryAfterSeconds: decision.retryAfterSeconds });
  }

  const input = eventDataOf(source, signed, body.value, inbound, receivedAt);
  const { eventId, idempotencyKey, eventType } = input;
  const accepted = (outcome: { duplicate: boolean; spilled: boolean }): Accepted => ({
    accepted: true,
    ...outcome,
    eventId,
    idempotencyKey,
    eventType,
    workflowId: workflowIds.event(input.sourceId, idempotencyKey),
    receivedAt: input.receivedAt,
  });
  // A FIFO dispatcher sees an event in the outbox from its 202 on, and a started one until it is
  // recorded; a direct start is invisible to it until a worker runs it. So a source that feeds a
  // FIFO subscription spills every webhook (unless spilling is off): order holds however late workers are.
  const spillAfterMs = source.feedsFifoSubscription && deps.spillAfterMs !== null ? 0 : deps.spillAfterMs;
  return handOver({ ...deps, spillAfterMs }, input, inbound.log, accepted);
}

/** The body as JSON: an object, storable, and (generic scheme) a courier envelope; else the refusal. */
function checkedBody(source: IngressSource, rawBody: Buffer): { value: object } | { refused: Refusal } {
  const parsed = parseJson(rawBody);
  if (!parsed.ok) return { refused: refuse({ kind: 'invalid-body', detail: parsed.message }) };
  const body = parsed.value;
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return { refused: refuse({ kind: 'invalid-body', detail: 'body must be a JSON object' }) };
  const unstorable = unstorableJsonProblem(body);
  if (unstorable) return { refused: refuse({ kind: 'invalid-body', detail: unstorable }) };
  if (source.scheme === 'hmac-sha256') {
    const envelope = courierEnvelopeSchema.safeParse(body);
    if (!envelope.success) return { refused: refuse({ kind: 'invalid-envelope', issues: envelope.error.issues }) };
  }
  return { value: body };
}

/** The event a verified webhook becomes: its idempotency key and type (the source's overrides, else the scheme's), its id. */
function eventDataOf(
  source: IngressSource,
  signed: SignedRequest,
  body: object,
  inbound: InboundWebhook,
  receivedAt: Date,
): EventData {
  const scheme = schemes[source.scheme];
  const payloadSha256 = createHash('sha256').update(signed.rawBody).digest('hex');
  const rawKey =
    (source.idempotency
      ? extractValue(source.idempotency, signed, body)
      : scheme.defaultIdempotencyKey(signed, body)) ?? `sha256:${payloadSha256}`;
  const idempotencyKey = normaliseIdempotencyKey(rawKey);
  const eventType =
    (source.eventType ? extractValue(source.eventType, signed, body) : scheme.defaultEventType(signed, body)) ??
    'unknown';
  return {
    eventId: eventIdFor(source.id, idempotencyKey),
    sourceId: source.id,
    idempotencyKey,
    eventType,
    payload: body,
    payloadSha256,
    headers: selectStoredHeaders(inbound.header),
    receivedAt: receivedAt.toISOString(),
    traceId: inbound.traceId,
  };
}

type StartOutcome =
  { kind: 'started'; duplicate: boolean } | { kind: 'unavailable'; error: unknown } | { kind: 'slow' };

/**
 * Hands a verified webhook to Temporal, or to the outbox when the start has not answered within
 * `spillAfterMs` or Temporal is unavailable: a 202 means durable in one of the two. A start still
 * in flight when the webhook spills may land too; the relay's start of the same id is then refused
 * as a duplicate, so the event runs once. 503 only when neither takes it.
 */
async function handOver(
  deps: IngressDependencies,
  input: EventData,
  log: Logger,
  accepted: (outcome: { duplicate: boolean; spilled: boolean }) => Accepted,
): Promise<Accepted | Refusal> {
  const unavailable = (error: unknown) => {
    log.error({ err: error, eventId: input.eventId }, 'temporal unavailable at ingress');
    return refuse({ kind: 'unavailable', dependency: 'Temporal', retryAfterSeconds: TEMPORAL_RETRY_AFTER_SECONDS });
  };
  const started: Promise<StartOutcome> | undefined =
    deps.spillAfterMs === 0
      ? undefined
      : deps.startEvent(input).then(
          ({ duplicate }) => ({ kind: 'started', duplicate }),
          (error: unknown) => {
            if (error instanceof TemporalUnavailable) return { kind: 'unavailable', error };
            throw error;
          },
        );
  const first: StartOutcome = started
    ? await (deps.spillAfterMs === null
        ? started
        : Promise.race([started, delay(deps.spillAfterMs).then((): StartOutcome => ({ kind: 'slow' }))]))
    : { kind: 'slow' };
  if (first.kind === 'started') return accepted({ duplicate: first.duplicate, spilled: false });
  // A start that answers after the spill only matters if it failed for another reason: say so.
  void started?.catch((error: unknown) =>
    log.error({ err: error, eventId: input.eventId }, 'late workflow start failed'),
  );
  if (deps.spillAfterMs === null) return unavailable((first as { error?: unknown }).error);
  try {
    const { inserted } = await deps.spill(input);
    log.info(
      { event: 'ingress_spilled', eventId: input.eventId, duplicate: !inserted, why: first.kind },
      'spilled to the outbox',
    );
    return accepted({ duplicate: !inserted, spilled: inserted });
  } catch (spillError) {
    log.error({ err: spillError, eventId: input.eventId }, 'outbox unavailable at ingress');
    // Neither has taken it yet: a start still in flight gets its full deadline.
    const last = started ? await started : first;
    if (last.kind === 'started') return accepted({ duplicate: last.duplicate, spilled: false });
    return unavailable(last.kind === 'unavailable' ? last.error : spillError);
  }
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());
