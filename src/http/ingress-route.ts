import { Hono } from 'hono';
import { acceptWebhook, ingressDependencies, type Refusal } from '../ingress/accept-webhook.js';
import type { ApiDependencies, AppEnv } from './context.js';
import { problems, zodProblem, type Problem } from './problem.js';

/** The problem+json answer for each refusal of the ingress pipeline. */
function problemFor(refusal: Refusal): Problem {
  switch (refusal.kind) {
    case 'unknown-source':
      return problems.notFound(`No enabled source "${refusal.sourceId}".`);
    case 'too-large':
      return problems.payloadTooLarge(refusal.limitBytes);
    case 'unsupported-media-type':
      return problems.unsupportedMediaType(refusal.contentType);
    case 'invalid-signature':
      return problems.unauthorized(`Signature rejected: ${refusal.reason}.`);
    case 'invalid-body':
      return problems.badRequest(refusal.detail);
    case 'invalid-envelope':
      return zodProblem('The courier envelope', refusal.issues);
    case 'rate-limited':
      return problems.rateLimited(refusal.retryAfterSeconds);
    case 'unavailable':
      return problems.unavailable(refusal.dependency, refusal.retryAfterSeconds);
  }
}

/** `POST /v1/webhooks/:sourceId`: runs `acceptWebhook` and answers 202/200, or the refusal as problem+json. */
export function ingressRoutes(deps: ApiDependencies) {
  const ingress = ingressDependencies(deps);
  const app = new Hono<AppEnv>();

  app.post('/:sourceId', async (c) => {
    const sourceId = c.req.param('sourceId');
    const traceId = c.get('traceId');
    const log = c.get('logger').child({ sourceId });
    const result = await acceptWebhook(ingress, sourceId, {
      request: c.req.raw,
      header: (name) => c.req.header(name),
      traceId,
      log,
    });
    if (!result.accepted) {
      const problem = problemFor(result);
      log.info({ event: 'ingress_rejected', status: problem.status, reason: problem.detail }, 'ingress rejected');
      throw problem;
    }
    const { duplicate, spilled, eventId, idempotencyKey, workflowId, receivedAt, eventType } = result;
    if (duplicate) deps.metrics.duplicates.inc({ source: sourceId });
    log.info(
      { event: duplicate ? 'ingress_duplicate' : 'ingress_accepted', eventId, workflowId, eventType },
      duplicate ? 'duplicate acknowledged' : 'event accepted',
    );
    return c.json(
      { acknowledged: true, duplicate, spilled, eventId, idempotencyKey, workflowId, receivedAt, traceId },
      duplicate ? 200 : 202,
    );
  });

  return app;
}
