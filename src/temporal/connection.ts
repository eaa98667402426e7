import { Client, Connection } from '@temporalio/client';
import type { Config } from '../config.js';

/** Connects a Temporal client for the configured address and namespace. */
export async function connectTemporalClient(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<Client> {
  const connection = await Connection.connect({ address: config.TEMPORAL_ADDRESS ?? '127.0.0.1:7233' });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
