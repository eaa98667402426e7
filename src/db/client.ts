import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

/** The longest a pooled connection waits before reconnecting after a failure, in seconds. */
export const RECONNECT_BACKOFF_MAX_S = 1;

/**
 * Seconds before a connection that closed on an error reconnects. postgres.js counts failures
 * across the whole pool and waits up to 20 s by default, so a single crash of PostgreSQL (every
 * connection failing at once) left queries waiting 20 s after it was back. Here: 50 ms doubling,
 * at most a second, jittered so the pool does not reconnect in lockstep.
 */
export function reconnectBackoff(failures: number, random = Math.random): number {
  return Math.min(0.05 * 2 ** failures, RECONNECT_BACKOFF_MAX_S) * (0.5 + random() / 2);
}

/** Opens a postgres.js pool wrapped by drizzle; close it with `closeDatabase`. */
export function openDatabase(url: string, poolSize = 10): Database {
  const sql = postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connect_timeout: 10,
    backoff: (failures) => reconnectBackoff(failures),
  });
  return drizzle(sql, { schema }) as Database;
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
}

const preparedByPool = new WeakMap<Database, Map<unknown, unknown>>();

/**
 * A drizzle prepared statement built once per pool by `prepare` (keyed by that function): hot
 * queries skip rebuilding their SQL text on every call, and postgres.js reuses the server-side plan.
 */
export function preparedOnce<T>(db: Database, prepare: (db: Database) => T): T {
  let statements = preparedByPool.get(db);
  if (!statements) preparedByPool.set(db, (statements = new Map()));
  let statement = statements.get(prepare) as T | undefined;
  if (statement === undefined) statements.set(prepare, (statement = prepare(db)));
  return statement;
}
