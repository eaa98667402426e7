import { Client, Connection } from '@temporalio/client';
import { temporalConnectionOptions, type TemporalConnectionConfig } from './connection-options.js';

/** Connects a Temporal client for the configured address, TLS/API key and namespace. */
export async function connectTemporalClient(config: TemporalConnectionConfig): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });
}
