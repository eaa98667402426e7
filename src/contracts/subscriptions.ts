import { z } from '@hono/zod-openapi';
import { onDeadLetterModes, orderingModes } from '../domain/delivery-policy.js';
import { deliveryStatuses, disabledReasons } from '../domain/vocabulary.js';
import { deliveryPolicyFields, duration, retryPolicySchema } from './delivery-policy.js';
import { extractionSchema, graceSecondsSchema, sourceIdSchema } from './sources.js';

const RESERVED_HEADERS = /^(host|content-type|content-length|transfer-encoding|connection|user-agent|webhook-.*)$/i;

const eventTypePattern = z
  .string()
  .regex(/^(\*|[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*(\.\*)?)$/, 'must be an exact type (a.b), a prefix (a.*) or *')
  .max(200);

export const subscriptionSecretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{24,}={0,2}$/, 'must be whsec_ followed by at least 18 bytes of base64')
  .openapi({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' });

const staticHeaders = z
  .record(
    z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be a header name'),
    z
      .string()
      .max(1_000)
      .regex(/^[^\r\n]*$/, 'must not contain line breaks'),
  )
  .refine((headers) => Object.keys(headers).length <= 20, 'at most 20 headers')
  .refine(
    (headers) => Object.keys(headers).every((name) => !RESERVED_HEADERS.test(name)),
    'must not set content-type, user-agent, host or webhook-* headers',
  )
  .openapi({ description: 'Static headers added to every delivery (e.g. an Authorization for the endpoint).' });

const filterField = z
  .record(z.string(), z.unknown())
  .nullable()
  .optional()
  .openapi({
    description:
      'A predicate over the envelope { type, source, data, headers }: dotted paths with $eq $ne $gt $gte $lt $lte $in $nin $exists $regex (RE2) $not, combined with $and $or $not. Events it rejects get no delivery.',
    example: { type: 'order.created', 'data.order.total': { $gte: 100 } },
  });

const transformField = z.string().min(1).max(10_000).nullable().optional().openapi({
  description:
    'A JSONata expression over the envelope { id, type, source, timestamp, data, headers }. Its result is the body sent, or { body, headers?, cancel? }.',
  example: '{ "orderId": data.order.id, "total": data.order.total }',
});

export const circuitBreakerSchema = z
  .object({
    failureThreshold: z.number().int().min(1).max(10_000),
    probeInterval: duration,
  })
  .strict()
  .openapi('CircuitBreaker', {
    description: 'Open after this many consecutive retryable failures; while open, one probe attempt per interval.',
  });

const mutableFields = {
  url: z.string().url().max(2_000).openapi({ example: 'https://api.partner.example/hooks' }),
  description: z.string().max(500).nullable().optional(),
  eventTypes: z.array(eventTypePattern).min(1).max(100),
  sourceIds: z.array(sourceIdSchema).max(100),
  headers: staticHeaders,
  rateLimitPerSecond: z.number().int().min(1).max(10_000).nullable().optional(),
  ...deliveryPolicyFields,
  filter: filterField,
  transform: transformField,
  circuitBreaker: circuitBreakerSchema
    .nullable()
    .optional()
    .openapi({ description: 'null turns the circuit breaker off; absent keeps the defaults from config.' }),
};

export const createSubscriptionSchema = z
  .object({
    ...mutableFields,
    eventTypes: mutableFields.eventTypes.default(['*']),
    sourceIds: mutableFields.sourceIds.default([]),
    headers: staticHeaders.default({}),
    secret: subscriptionSecretSchema.optional().openapi({ description: 'Generated when absent. Returned once.' }),
  })
  .strict()
  .openapi('CreateSubscription');

export const updateSubscriptionSchema = z
  .object({
    url: mutableFields.url.optional(),
    description: mutableFields.description,
    eventTypes: mutableFields.eventTypes.optional(),
    sourceIds: mutableFields.sourceIds.optional(),
    headers: staticHeaders.optional(),
    rateLimitPerSecond: mutableFields.rateLimitPerSecond,
    ...deliveryPolicyFields,
    filter: mutableFields.filter,
    transform: mutableFields.transform,
    circuitBreaker: mutableFields.circuitBreaker,
  })
  .strict()
  .openapi('UpdateSubscription');

export const rotateSubscriptionSecretSchema = z
  .object({
    secret: subscriptionSecretSchema.optional().openapi({ description: 'Generated when absent.' }),
    graceSeconds: graceSecondsSchema('How long the old secret keeps signing too (default SECRET_ROTATION_GRACE).'),
  })
  .strict()
  .openapi('RotateSubscriptionSecret');

export const enableSubscriptionSchema = z
  .object({
    replaySince: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Also replay the open dead letters of this subscription created since then.' }),
  })
  .strict()
  .openapi('EnableSubscription');

export const subscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    sourceIds: z.array(z.string()),
    headers: z.record(z.string(), z.string()),
    enabled: z.boolean(),
    disabledReason: z.enum(disabledReasons).nullable(),
    rateLimitPerSecond: z.number().int().nullable(),
    retryPolicy: retryPolicySchema.nullable(),
    maxInFlight: z.number().int().nullable(),
    ordering: z.enum(orderingModes),
    orderingKey: extractionSchema.nullable(),
    onDeadLetter: z.enum(onDeadLetterModes),
    filter: z.record(z.string(), z.unknown()).nullable(),
    transform: z.string().nullable(),
    circuitBreaker: circuitBreakerSchema
      .nullable()
      .openapi({ description: 'The settings in force (the defaults when not set); null when off.' }),
    pausedAt: z.string().nullable().openapi({ description: 'Set while the subscription is paused.' }),
    circuit: z
      .enum(['closed', 'open'])
      .openapi({ description: 'open: lanes wait and one probe goes out per interval.' }),
    previousSecretExpiresAt: z.string().nullable(),
    lastDeliveredAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Subscription');

export const subscriptionWithSecretSchema = subscriptionSchema
  .extend({ secret: z.string() })
  .openapi('SubscriptionWithSecret');

export const deliverySummarySchema = z
  .object({
    id: z.string(),
    eventId: z.string(),
    subscriptionId: z.string(),
    status: z.enum(deliveryStatuses),
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    workflowId: z.string(),
    createdAt: z.string(),
  })
  .openapi('Delivery');

export type SubscriptionView = z.infer<typeof subscriptionSchema>;
export type DeliverySummary = z.infer<typeof deliverySummarySchema>;

export const filterTestSchema = z
  .object({
    payload: z.unknown().openapi({ description: "The event payload (the envelope's data)." }),
    type: z.string().max(200).optional().openapi({ description: 'The event type (default: the first of eventTypes).' }),
    source: z.string().max(200).optional().openapi({ description: 'The source id (default: "test").' }),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict()
  .openapi('FilterTest');

export const filterTestResultSchema = z
  .object({
    matches: z.boolean(),
    reasons: z
      .array(z.string())
      .openapi({ description: 'Each condition evaluated, what it found and whether it held.' }),
  })
  .openapi('FilterTestResult');

export const transformTestSchema = filterTestSchema.openapi('TransformTest');

export const transformTestResultSchema = z
  .object({
    body: z.unknown(),
    headers: z.record(z.string(), z.string()),
    cancelled: z.boolean(),
  })
  .openapi('TransformTestResult');

export const recoverSchema = z
  .object({
    since: z.iso.datetime({ offset: true }).openapi({ description: 'Events accepted at or after this time.' }),
    until: z.iso
      .datetime({ offset: true })
      .optional()
      .openapi({ description: 'Events accepted before this time (default: now).' }),
    status: z.enum(['failed', 'all']).default('failed').openapi({
      description: '`failed` (default): the dead-lettered deliveries; `all`: every delivery, delivered ones too.',
    }),
  })
  .strict()
  .openapi('Recover');

export const recoveryProgressSchema = z
  .object({
    scanned: z.number().int(),
    redelivered: z.number().int(),
    replayed: z.number().int(),
    inProgress: z.number().int().openapi({ description: 'Still being delivered or retried: left alone.' }),
    done: z.boolean(),
    cursor: z.object({ receivedAt: z.string(), eventId: z.string() }).nullable(),
  })
  .openapi('RecoveryProgress');

export const recoverySchema = z
  .object({
    workflowId: z.string(),
    status: z.enum(['running', 'completed', 'cancelled', 'failed', 'terminated', 'timed_out']),
    progress: recoveryProgressSchema.nullable(),
  })
  .openapi('Recovery');
