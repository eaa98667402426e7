import { z } from '@hono/zod-openapi';
import { OPERATIONAL_SOURCE, processorNames, schemeNames } from '../domain/vocabulary.js';

export const extractionSchema = z
  .union([
    z.object({ header: z.string().min(1).max(200) }).strict(),
    z
      .object({
        pointer: z
          .string()
          .regex(/^(\/[^/]*)*$/, 'must be a JSON pointer such as /data/id')
          .max(500),
      })
      .strict(),
  ])
  .openapi('Extraction', { description: 'Read a value from a header or a JSON pointer into the body.' });

export const processorSchema = z
  .object({ name: z.enum(processorNames) })
  .catchall(z.unknown())
  .openapi('Processor', { description: '`passthrough` (default) or `fetch` (resolve a pointer payload by GET).' });

const mutableSourceFields = {
  toleranceSeconds: z.number().int().min(1).max(86_400).optional(),
  idempotencyKey: extractionSchema.optional(),
  eventType: extractionSchema.optional(),
  processor: processorSchema.optional(),
  rateLimitPerMinute: z.number().int().min(1).max(1_000_000).nullable().optional(),
  maxBodyBytes: z
    .number()
    .int()
    .min(1)
    .max(1024 * 1024)
    .optional()
    .openapi({ description: 'Default 256 KiB; at most 1 MiB (Temporal payload limits).' }),
  enabled: z.boolean().optional(),
};

export const sourceIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be a slug: lowercase letters, digits, - and _, at most 63 characters')
  .openapi({ example: 'stripe' });

/** A new source's id: a slug, and not the id reserved for Hookflow's own operational events. */
const newSourceIdSchema = sourceIdSchema.refine(
  (id) => id !== OPERATIONAL_SOURCE,
  `${OPERATIONAL_SOURCE} is reserved for operational events`,
);

/** A rotation's grace window in seconds (at most 30 days), shared by sources and subscriptions. */
export const graceSecondsSchema = (description: string) =>
  z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .optional()
    .openapi({ description });

const secretSchema = z.string().min(8, 'must be at least 8 characters').max(500);

export const createSourceSchema = z
  .object({
    id: newSourceIdSchema,
    scheme: z.enum(schemeNames),
    secret: secretSchema.openapi({ description: "The provider's signing secret. Write-only: never returned." }),
    ...mutableSourceFields,
  })
  .strict()
  .superRefine((body, ctx) => {
    if (body.scheme === 'standard-webhooks' && !/^(whsec_)?[A-Za-z0-9+/]+={0,2}$/.test(body.secret)) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'standard-webhooks secrets are whsec_<base64>' });
    }
  })
  .openapi('CreateSource');

export const updateSourceSchema = z.object(mutableSourceFields).strict().openapi('UpdateSource');

export const rotateSourceSecretSchema = z
  .object({
    secret: secretSchema.openapi({ description: 'The new signing secret the provider issued.' }),
    graceSeconds: graceSecondsSchema('How long the previous secret stays valid (default SECRET_ROTATION_GRACE).'),
  })
  .strict()
  .openapi('RotateSourceSecret');

export const sourceSchema = z
  .object({
    id: z.string(),
    scheme: z.enum(schemeNames),
    ingressUrl: z.string().openapi({ example: '/v1/webhooks/stripe' }),
    toleranceSeconds: z.number().int(),
    idempotencyKey: extractionSchema.nullable(),
    eventType: extractionSchema.nullable(),
    processor: processorSchema,
    rateLimitPerMinute: z.number().int().nullable(),
    maxBodyBytes: z.number().int(),
    enabled: z.boolean(),
    previousSecretsValidUntil: z
      .string()
      .nullable()
      .openapi({ description: 'When the last rotated-out secret stops being accepted.' }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Source');

export type SourceView = z.infer<typeof sourceSchema>;
