// `npm run temporal:setup`: registers Hookflow's search attributes on TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE.
import { Connection } from '@temporalio/client';
import { loadConfig } from '../src/config.js';
import { exitWithStartupError } from '../src/process/shutdown.js';
import { registerSearchAttributes } from '../src/temporal/register-search-attributes.js';

try {
  const config = loadConfig();
  const address = config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const connection = await Connection.connect({ address });
  const added = await registerSearchAttributes(connection, config.TEMPORAL_NAMESPACE);
  await connection.close();
  console.log(added.length ? `Registered on ${address}/${config.TEMPORAL_NAMESPACE}: ${added.join(', ')}` : `All search attributes already present on ${address}/${config.TEMPORAL_NAMESPACE}.`);
} catch (error) {
  exitWithStartupError(error);
}
