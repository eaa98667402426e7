import postgres from 'postgres';
import { TEMPORAL_DATABASES } from '../../src/dev/temporal-cluster-config.js';

/** Drops Temporal's two databases on the server of `databaseUrl`, so the next cluster starts empty. */
export async function dropTemporalDatabases(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    for (const name of Object.values(TEMPORAL_DATABASES))
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
  } finally {
    await admin.end();
  }
}
