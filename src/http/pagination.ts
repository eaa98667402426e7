import { z } from '@hono/zod-openapi';
import { problems } from './problem.js';

/** `?limit=&cursor=` accepted by every list route. */
export const pageQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50).openapi({ description: 'Page size (1–200).' }),
  cursor: z.string().max(512).optional().openapi({ description: 'The `nextCursor` of the previous page.' }),
});

/** `{ data, nextCursor }` around an item schema. */
export const pageOf = <T extends z.ZodTypeAny>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/** Opaque cursor holding the sort key of the last row of a page. */
export function encodeCursor(key: (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A row id in a cursor: what the API's own ids look like (never free text that reaches SQL). */
const idKey = z.string().regex(/^[A-Za-z0-9_:.-]{1,200}$/);

/** The sort keys list routes page by: an id, or a receive time and an id (the event log). */
export const cursorKeys = {
  id: z.tuple([idKey]),
  timeAndId: z.tuple([z.iso.datetime({ offset: true }), idKey]),
};

/**
 * Decodes a cursor into its typed sort key. A cursor is opaque but can be forged: its key is parsed
 * into the columns' types first, and anything else is a 400 naming the parameter, never a query error.
 */
export function decodeCursor<T extends z.ZodTypeAny>(cursor: string, key: T): z.infer<T> {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = undefined;
  }
  const parsed = key.safeParse(decoded);
  if (parsed.success) return parsed.data;
  throw problems.badRequest('cursor is not a cursor this API issued', [
    { path: '/cursor', message: 'not a cursor this API issued' },
  ]);
}

/** Splits the `limit + 1` rows a query fetched into a page and the cursor of its last row. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  key: (row: Row) => (string | number)[],
  view: (row: Row) => Item,
) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { data: page.map(view), nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
