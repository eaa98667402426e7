import { fileURLToPath } from 'node:url';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import { closeDatabase, openDatabase, type Database } from './client.js';

/** drizzle-kit's generated migrations, committed beside the schema. */
export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Applies every pending migration (drizzle records applied ones in its own table). */
export async function migrateDatabase(db: Database): Promise<void> {
  await migrate(db, { migrationsFolder });
}

/** Opens one connection to `databaseUrl`, migrates, closes; the error names the host only (the URL may carry a password). */
export async function migrateDatabaseAt(databaseUrl: string): Promise<void> {
  const db = openDatabase(databaseUrl, 1);
  try {
    await migrateDatabase(db);
  } catch (error) {
    throw new Error(`PostgreSQL at ${new URL(databaseUrl).host} could not be migrated`, { cause: error });
  } finally {
    await closeDatabase(db);
  }
}
