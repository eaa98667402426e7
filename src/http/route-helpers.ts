import { z } from '@hono/zod-openapi';

/** `{ content: { 'application/json': { schema } } }` for route definitions. */
export const json = <T extends z.ZodTypeAny>(schema: T) => ({ content: { 'application/json': { schema } } });

/** A `:id` path parameter. */
export const idParam = (example: string) =>
  z.object({
    id: z
      .string()
      .min(1)
      .max(200)
      .openapi({ param: { name: 'id', in: 'path' }, example }),
  });

export const security = [{ bearerAuth: [] }];
