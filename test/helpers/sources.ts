import { sources } from '../../src/db/schema.js';
import type { TestStack } from './stack.js';

/** Inserts a source row directly (for tests that exercise ingress without the management API). */
export async function insertSource(
  stack: TestStack,
  values: Partial<typeof sources.$inferInsert> & { id: string; scheme: string; secret: string },
) {
  const { secret, ...rest } = values;
  await stack.db.insert(sources).values({ secrets: [{ value: secret, expiresAt: null }], ...rest });
}
