// `npm run temporal:setup`: registers Hookflow's search attributes on TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE
// (TLS and API key from config, so it works against a real cluster or Temporal Cloud).
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { exitWithStartupError } from '../src/process/shutdown.js';
import { clientConnectionOptions } from '../src/temporal/client-connection.js';
import { describeTemporalConnection, temporalConnectionOptions } from '../src/temporal/connection-options.js';
import { registerSearchAttributes } from '../src/temporal/register-search-attributes.js';

// Run as a one-shot job beside a fresh cluster (compose, Helm), the frontend or the just-created
// namespace may refuse calls for a few seconds: keep trying for a minute before failing the job.
const RETRY_FOR_MS = 60_000;
const RETRY_EVERY_MS = 2_000;

async function register(options: ConnectionOptions, namespace: string): Promise<string[]> {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let attempt = 1; ; attempt++) {
    try {
      const connection = await Connection.connect(options);
      try {
        return await registerSearchAttributes(connection, namespace);
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() + RETRY_EVERY_MS > deadline) throw error;
      console.error(`Attempt ${attempt} failed (${(error as Error).message}); retrying in ${RETRY_EVERY_MS / 1000} s.`);
      await sleep(RETRY_EVERY_MS);
    }
  }
}

try {
  const config = loadConfig();
  const added = await register(clientConnectionOptions(config), config.TEMPORAL_NAMESPACE);
  const where = `${describeTemporalConnection(temporalConnectionOptions(config))}, namespace ${config.TEMPORAL_NAMESPACE}`;
  console.log(
    added.length ? `Registered on ${where}: ${added.join(', ')}` : `All search attributes already present on ${where}.`,
  );
} catch (error) {
  exitWithStartupError(error);
}
