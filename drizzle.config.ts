import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema.ts',
  out: './src/db/migrations',
  // Only `drizzle-kit push/studio` need a connection; `generate` works offline from the schema.
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost:5432/hookflow' },
});
