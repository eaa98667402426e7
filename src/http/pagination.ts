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

export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(key) &&
      key.length === arity &&
      key.every((k) => (typeof k === 'string' && !k.includes('\u0000')) || typeof k === 'number')
    )
      return key;
  } catch {
    // fall through to the 400 below
  }
  throw problems.badRequest('cursor is not a cursor this API issued');
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
