import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError, type Config } from '../config.js';

/** Where the dev stack's Temporal listens when TEMPORAL_ADDRESS is unset. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export type TemporalConnectionConfig = Pick<
  Config,
  | 'TEMPORAL_ADDRESS'
  | 'TEMPORAL_NAMESPACE'
  | 'TEMPORAL_TLS_CERT_PATH'
  | 'TEMPORAL_TLS_KEY_PATH'
  | 'TEMPORAL_TLS_CA_PATH'
  | 'TEMPORAL_TLS_SERVER_NAME'
  | 'TEMPORAL_API_KEY'
>;

/** The options `Connection` (client) and `NativeConnection` (worker) share. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
  metadata?: Record<string, string>;
}

function readPem(variable: keyof TemporalConnectionConfig, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  ${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

function tlsOptions(config: TemporalConnectionConfig): TLSConfig | undefined {
  const {
    TEMPORAL_TLS_CERT_PATH: cert,
    TEMPORAL_TLS_KEY_PATH: key,
    TEMPORAL_TLS_CA_PATH: ca,
    TEMPORAL_TLS_SERVER_NAME: serverName,
  } = config;
  // Any TLS setting turns TLS on; an API key does too, because Temporal Cloud only accepts bearer tokens over TLS.
  if (!cert && !key && !ca && !serverName && !config.TEMPORAL_API_KEY) return undefined;
  return {
    ...(serverName ? { serverNameOverride: serverName } : {}),
    ...(ca ? { serverRootCACertificate: readPem('TEMPORAL_TLS_CA_PATH', ca) } : {}),
    ...(cert && key
      ? { clientCertPair: { crt: readPem('TEMPORAL_TLS_CERT_PATH', cert), key: readPem('TEMPORAL_TLS_KEY_PATH', key) } }
      : {}),
  };
}

/**
 * Builds the Temporal connection options from config: plaintext for the dev server, TLS (mTLS pair,
 * private CA, SNI override) and/or an API key for a real cluster or Temporal Cloud. Certificate
 * files are read here, so a wrong path fails at start with the variable's name.
 */
export function temporalConnectionOptions(config: TemporalConnectionConfig): TemporalConnectionOptions {
  const tls = tlsOptions(config);
  return {
    address: config.TEMPORAL_ADDRESS ?? DEFAULT_TEMPORAL_ADDRESS,
    ...(tls ? { tls } : {}),
    ...(config.TEMPORAL_API_KEY
      ? {
          apiKey: config.TEMPORAL_API_KEY,
          // Temporal Cloud's regional (non-namespace) endpoints route API-key calls by this header.
          metadata: { 'temporal-namespace': config.TEMPORAL_NAMESPACE },
        }
      : {}),
  };
}

/** One line for logs: where and how we connect, never the key or certificate contents. */
export function describeTemporalConnection(options: TemporalConnectionOptions): string {
  const auth = [
    options.tls?.clientCertPair ? 'mTLS' : options.tls ? 'TLS' : 'plaintext',
    options.apiKey ? 'API key' : undefined,
  ];
  return `${options.address} (${auth.filter(Boolean).join(', ')})`;
}
