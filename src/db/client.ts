import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Database = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

/** Opens a postgres.js pool wrapped by drizzle; close it with `closeDatabase`. */
export function openDatabase(url: string, poolSize = 10): Database {
  const sql = postgres(url, { max: poolSize, onnotice: () => {}, connect_timeout: 10 });
  return drizzle(sql, { schema }) as Database;
}

export async function closeDatabase(db: Database): Promise<void> {
  await db.$client.end({ timeout: 5 });
}
