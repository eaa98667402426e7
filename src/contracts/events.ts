import { z } from '@hono/zod-openapi';
import {
  deadLetterReasons,
  deadLetterStages,
  deadLetterStatuses,
  deliveryStatuses,
  eventStatuses,
  redeliveryOutcomes,
} from '../domain/vocabulary.js';

export const eventStatusSchema = z.enum(eventStatuses);

export const eventSummarySchema = z
  .object({
    id: z.string(),
    sourceId: z.string(),
    idempotencyKey: z.string(),
    eventType: z.string(),
    status: eventStatusSchema,
    receivedAt: z.string(),
    workflowId: z.string(),
  })
  .openapi('EventSummary');

const attemptSchema = z.object({
  attempt: z.number().int(),
  statusCode: z.number().int().nullable(),
  error: z.string().nullable(),
  durationMs: z.number().int(),
  startedAt: z.string(),
  responseExcerpt: z.string().nullable(),
  bodyBytes: z.number().int().nullable().openapi({ description: 'Size of the body as sent (after the transform).' }),
  bodySha256: z.string().nullable().openapi({ description: 'SHA-256 (hex) of the body as sent.' }),
});

export const eventDetailSchema = eventSummarySchema
  .extend({
    payload: z.unknown(),
    deliveries: z.array(
      z.object({
        id: z.string(),
        subscriptionId: z.string(),
        status: z.enum(deliveryStatuses),
        workflowId: z.string(),
        attempts: z.array(attemptSchema),
      }),
    ),
    filteredOut: z
      .array(z.string())
      .openapi({ description: 'Subscriptions that matched by type and source but whose filter rejected the event.' }),
  })
  .openapi('EventDetail');

export const eventFilterSchema = z.object({
  sourceId: z.string().max(100).optional(),
  status: eventStatusSchema.optional(),
  eventType: z.string().max(200).optional(),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Only events received at or after this time.' }),
});

export const deadLetterSchema = z
  .object({
    id: z.string(),
    stage: z.enum(deadLetterStages),
    eventId: z.string(),
    deliveryId: z.string().nullable(),
    subscriptionId: z.string().nullable(),
    sourceId: z.string(),
    reason: z.enum(deadLetterReasons),
    lastError: z.string().nullable(),
    attempts: z.number().int(),
    status: z.enum(deadLetterStatuses),
    replayCount: z.number().int(),
    workflowId: z.string(),
    createdAt: z.string(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('DeadLetter');

export const deadLetterFilterSchema = z.object({
  status: z.enum(deadLetterStatuses).optional(),
  subscriptionId: z.string().max(100).optional(),
  sourceId: z.string().max(100).optional(),
  reason: z.enum(deadLetterReasons).optional(),
  since: z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: 'Only dead letters created at or after this time.' }),
});

export const replayBodySchema = z
  .object({ reason: z.string().max(500).optional() })
  .strict()
  .openapi('ReplayRequest');

export type DeadLetterView = z.infer<typeof deadLetterSchema>;
export type EventDetail = z.infer<typeof eventDetailSchema>;

export const redeliverBodySchema = z
  .object({
    subscriptionIds: z
      .array(z.string().min(1).max(100))
      .max(1_000)
      .optional()
      .openapi({ description: 'Only these subscriptions (default: every subscription the event was routed to).' }),
    reason: z.string().max(500).optional(),
  })
  .strict()
  .openapi('RedeliverRequest');

export const redeliverResultSchema = z
  .object({
    eventId: z.string(),
    deliveries: z.array(
      z.object({
        subscriptionId: z.string(),
        deliveryId: z.string(),
        workflowId: z.string(),
        outcome: z.enum(redeliveryOutcomes).openapi({
          description:
            '`replayed`: its open dead letter was replayed; `redelivered`: sent again with the same webhook-id; `in_progress`: still being delivered, left alone.',
        }),
      }),
    ),
  })
  .openapi('RedeliverResult');
