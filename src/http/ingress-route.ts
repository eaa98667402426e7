import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { courierEnvelopeSchema } from '../ingress/schemes/hmac-sha256.js';
import { schemes, type SchemeName, type SignedRequest } from '../ingress/schemes/index.js';
import { activeSecrets, isJsonContentType, selectStoredHeaders, unstorableJsonProblem } from '../ingress/accept.js';
import { extractValue } from '../ingress/extract.js';
import { BodyTooLarge, readBodyWithLimit } from '../ingress/read-body.js';
import { startEventWorkflow, TemporalUnavailable } from '../ingress/start-event.js';
import { eventIdFor, normaliseIdempotencyKey } from '../ids.js';
import { workflowIds } from '../workflow-ids.js';
import { buildPolicies } from '../temporal/policies.js';
import type { ApiDependencies, AppEnv } from './context.js';
import { problems, zodProblem } from './problem.js';

const TEMPORAL_RETRY_AFTER_SECONDS = 5;

function parseJson(rawBody: Buffer): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(rawBody);
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, message: error instanceof TypeError ? 'body is not valid UTF-8' : `body is not valid JSON (${(error as Error).message})` };
  }
}

/** `POST /v1/webhooks/:sourceId`: the checks of SPEC §4.1, in order, then a deduplicated workflow start. */
export function ingressRoutes(deps: ApiDependencies) {
  const policies = buildPolicies(deps.config);
  const app = new Hono<AppEnv>();

  app.post('/:sourceId', async (c) => {
    const sourceId = c.req.param('sourceId');
    const traceId = c.get('traceId');
    const log = c.get('logger').child({ sourceId });
    const reject = (problem: ReturnType<(typeof problems)[keyof typeof problems]>) => {
      log.info({ event: 'ingress_rejected', status: problem.status, reason: problem.detail }, 'ingress rejected');
      return problem;
    };

    const source = await deps.sources.get(sourceId).catch((error: unknown) => {
      log.error({ err: error }, 'source lookup failed');
      throw problems.unavailable('PostgreSQL', TEMPORAL_RETRY_AFTER_SECONDS);
    });
    if (!source || !source.enabled) throw reject(problems.notFound(`No enabled source "${sourceId}".`));

    let rawBody: Buffer;
    try {
      rawBody = await readBodyWithLimit(c.req.raw, source.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyTooLarge) throw reject(problems.payloadTooLarge(source.maxBodyBytes));
      throw error;
    }

    if (!isJsonContentType(c.req.header('content-type'))) throw reject(problems.unsupportedMediaType(c.req.header('content-type')));

    const receivedAt = new Date();
    const request: SignedRequest = { header: (name) => c.req.header(name), rawBody, nowSeconds: Math.floor(receivedAt.getTime() / 1000) };
    const scheme = schemes[source.scheme as SchemeName];
    const verification = scheme.verify({ ...request, secrets: activeSecrets(source.secrets, receivedAt), toleranceSeconds: source.toleranceSeconds });
    if (!verification.ok) throw reject(problems.unauthorized(`Signature rejected: ${verification.reason}.`));

    const parsed = parseJson(rawBody);
    if (!parsed.ok) throw reject(problems.badRequest(parsed.message));
    const body = parsed.value;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw reject(problems.badRequest('body must be a JSON object'));
    const unstorable = unstorableJsonProblem(body);
    if (unstorable) throw reject(problems.badRequest(unstorable));
    if (source.scheme === 'hmac-sha256') {
      const envelope = courierEnvelopeSchema.safeParse(body);
      if (!envelope.success) throw reject(zodProblem('The courier envelope', envelope.error.issues));
    }

    if (source.rateLimitPerMinute) {
      const decision = deps.rateLimiter.take(source.id, source.rateLimitPerMinute);
      if (!decision.allowed) throw reject(problems.rateLimited(decision.retryAfterSeconds));
    }

    const rawKey = (source.idempotency ? extractValue(source.idempotency, request, body) : scheme.defaultIdempotencyKey(request, body))
      ?? `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
    const idempotencyKey = normaliseIdempotencyKey(rawKey);
    const eventType = (source.eventType ? extractValue(source.eventType, request, body) : scheme.defaultEventType(request, body)) ?? 'unknown';
    const eventId = eventIdFor(source.id, idempotencyKey);
    const workflowId = workflowIds.event(source.id, idempotencyKey);

    let duplicate: boolean;
    try {
      ({ duplicate } = await startEventWorkflow(
        deps.temporal,
        {
          eventId, sourceId: source.id, idempotencyKey, eventType, payload: body,
          payloadSha256: createHash('sha256').update(rawBody).digest('hex'),
          headers: selectStoredHeaders(request.header), receivedAt: receivedAt.toISOString(), traceId, policies,
        },
        { taskQueue: deps.config.TEMPORAL_TASK_QUEUE, workflowId },
      ));
    } catch (error) {
      if (!(error instanceof TemporalUnavailable)) throw error;
      log.error({ err: error, workflowId }, 'temporal unavailable at ingress');
      throw reject(problems.unavailable('Temporal', TEMPORAL_RETRY_AFTER_SECONDS));
    }
    const answer = { acknowledged: true, duplicate, eventId, idempotencyKey, workflowId, receivedAt: receivedAt.toISOString(), traceId };
    if (duplicate) deps.metrics.duplicates.inc({ source: source.id });
    log.info({ event: duplicate ? 'ingress_duplicate' : 'ingress_accepted', eventId, workflowId, eventType }, duplicate ? 'duplicate acknowledged' : 'event accepted');
    return c.json(answer, duplicate ? 200 : 202);
  });

  return app;
}
