import { z } from '@hono/zod-openapi';

/** The 202 (new) and 200 (duplicate) answer of `POST /v1/webhooks/:sourceId` (docs/architecture.md, "The path of a webhook"). */
export const ingressAcknowledgementSchema = z
  .object({
    acknowledged: z.literal(true),
    duplicate: z.boolean(),
    spilled: z.boolean().openapi({
      description:
        'Written to the PostgreSQL outbox because Temporal was slow or down; the worker starts it (exactly once).',
    }),
    eventId: z.string().openapi({ example: 'evt_5h2k8m3n4p5q6r7s8t9v0w1x2y' }),
    idempotencyKey: z.string(),
    workflowId: z.string().openapi({ example: 'event:stripe:evt_1NG8Du2eZvKYlo2CUI79vXWy' }),
    receivedAt: z.string(),
    traceId: z.string(),
  })
  .openapi('IngressAcknowledgement');

export type IngressAcknowledgement = z.infer<typeof ingressAcknowledgementSchema>;

/** RFC 9457 problem details as Hookflow sends them. */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    traceId: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi('Problem');
