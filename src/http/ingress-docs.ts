import type { OpenAPIHono } from '@hono/zod-openapi';
import { z } from '@hono/zod-openapi';
import { courierEnvelopeSchema } from '../schemes/hmac-sha256.js';
import type { AppEnv } from './context.js';
import { ingressAcknowledgementSchema, problemSchema } from '../contracts/ingress.js';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: problemSchema } },
});

/**
 * Documents the ingress route. It reads the raw body itself (signatures are verified over the
 * exact bytes before any parsing), so it is registered for the document rather than validated by it.
 */
export function documentIngress(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/webhooks/{sourceId}',
    tags: ['Ingress'],
    summary: 'Receive a signed webhook from a partner',
    description:
      'Verified per the source scheme (standard-webhooks, stripe, github, shopify, hmac-sha256). Checks run in the order 404, 413, 415, 401, 400, 429, 503.',
    request: {
      params: z.object({
        sourceId: z.string().openapi({ param: { name: 'sourceId', in: 'path' }, example: 'stripe' }),
      }),
      body: {
        required: true,
        content: {
          'application/json': {
            schema: z.union([courierEnvelopeSchema, z.record(z.string(), z.unknown())]).openapi('WebhookBody'),
          },
        },
      },
    },
    responses: {
      202: {
        description: 'Accepted: a new event workflow was started',
        content: { 'application/json': { schema: ingressAcknowledgementSchema } },
      },
      200: {
        description: 'Duplicate: already accepted; names the original event',
        content: { 'application/json': { schema: ingressAcknowledgementSchema } },
      },
      400: problem('Body is not JSON, or the courier envelope fails validation'),
      401: problem('Missing/invalid signature or timestamp outside tolerance'),
      404: problem('Unknown or disabled source'),
      413: problem("Body over the source's limit"),
      415: problem('Content type is not JSON'),
      429: problem('Over the source rate limit (Retry-After)'),
      503: problem('Temporal unreachable; nothing accepted (Retry-After)'),
    },
  });
}
