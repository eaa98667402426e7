// `npm run db:migrate`: applies drizzle migrations to DATABASE_URL (or the embedded dev database).
import { loadConfig } from '../src/config.js';
import { closeDatabase, openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.js';
import { exitWithStartupError } from '../src/process/shutdown.js';
import { join } from 'node:path';

try {
  const config = loadConfig();
  const embedded = config.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres(join(config.DATA_DIR, 'postgres'), 'hookflow');
  const db = openDatabase(config.DATABASE_URL ?? embedded!.url, 1);
  await migrateDatabase(db);
  await closeDatabase(db);
  await embedded?.stop();
  console.log('Migrations applied.');
} catch (error) {
  exitWithStartupError(error);
}
