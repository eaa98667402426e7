import { z } from '@hono/zod-openapi';
import { onDeadLetterModes, orderingModes } from '../domain/delivery-policy.js';
import { parseDuration } from '../domain/duration.js';
import { storedInboundHeaders } from '../domain/vocabulary.js';
import { extractionSchema } from './sources.js';

const MAX_DELAY_MS = 30 * 86_400_000;

/** A duration in ms, or NaN for text that is not one (refinements run even after the regex failed). */
const durationMs = (text: string): number => {
  try {
    return parseDuration(text);
  } catch {
    return Number.NaN;
  }
};

/** A positive duration of at most 30 days (`500ms`, `5s`, `10m`, `2h`, `1d`). */
export const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/, 'must be a duration such as 500ms, 5s, 10m, 2h or 1d')
  .refine((text) => durationMs(text) > 0, 'must be longer than 0')
  .refine((text) => !(durationMs(text) > MAX_DELAY_MS), 'must be at most 30d')
  .openapi({ example: '5m' });

/** `retryPolicy`: exponential (missing fields default from config) or a fixed schedule, never both. */
export const retryPolicySchema = z
  .object({
    initialInterval: duration.optional(),
    backoffCoefficient: z.number().min(1).max(10).optional(),
    maximumInterval: duration.optional(),
    maximumAttempts: z.number().int().min(1).max(100).optional(),
    schedule: z
      .array(duration)
      .min(1, 'must list at least one delay')
      .max(50)
      .optional()
      .openapi({
        description: 'Fixed delays between attempts (attempts = delays + 1), as Svix does.',
        example: ['5s', '5m', '30m', '2h', '5h', '10h', '10h'],
      }),
    jitter: z
      .number()
      .min(0)
      .max(50)
      .optional()
      .openapi({ description: 'Percent by which each scheduled delay may vary (±).' }),
  })
  .strict()
  .superRefine((policy, ctx) => {
    const exponential = ['initialInterval', 'backoffCoefficient', 'maximumInterval', 'maximumAttempts'] as const;
    if (!policy.schedule && exponential.every((field) => policy[field] === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: 'give a schedule or at least one exponential field (null resets to the defaults)',
      });
    }
    if (policy.schedule) {
      for (const field of exponential) {
        if (policy[field] !== undefined)
          ctx.addIssue({ code: 'custom', path: [field], message: 'cannot be combined with schedule' });
      }
    } else if (policy.jitter !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['jitter'], message: 'applies to a schedule only' });
    }
    if (
      policy.initialInterval &&
      policy.maximumInterval &&
      durationMs(policy.initialInterval) > durationMs(policy.maximumInterval)
    ) {
      ctx.addIssue({ code: 'custom', path: ['maximumInterval'], message: 'must not be shorter than initialInterval' });
    }
  })
  .openapi('RetryPolicy');

/** The policy fields of a subscription (README "Delivery policies (per subscription)"), as create and PATCH bodies take them. */
export const deliveryPolicyFields = {
  retryPolicy: retryPolicySchema.nullable().optional(),
  maxInFlight: z
    .number()
    .int()
    .min(1)
    .max(1_000)
    .nullable()
    .optional()
    .openapi({ description: 'At most this many deliveries to the endpoint at once (per ordering key).' }),
  ordering: z
    .enum(orderingModes)
    .optional()
    .openapi({ description: '`fifo`: one at a time, in the order events were accepted.' }),
  orderingKey: extractionSchema
    .refine(
      (key) => !('header' in key) || (storedInboundHeaders as readonly string[]).includes(key.header.toLowerCase()),
      {
        message: `a header ordering key must be one Hookflow stores with the event: ${storedInboundHeaders.join(', ')}`,
      },
    )
    .nullable()
    .optional()
    .openapi({ description: 'FIFO per value of this pointer or header (absent: one queue for the subscription).' }),
  onDeadLetter: z.enum(onDeadLetterModes).optional().openapi({
    description:
      '`block` (default): a dead letter holds the queue until replayed or discarded; `skip`: the queue goes on.',
  }),
};
