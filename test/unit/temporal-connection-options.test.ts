import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { describeTemporalConnection, temporalConnectionOptions } from '../../src/temporal/connection-options.js';

const dir = mkdtempSync(join(tmpdir(), 'hookflow-tls-'));
const pem = (name: string) => {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${name}-----\n${name}\n-----END ${name}-----\n`);
  return path;
};
const cert = pem('client.crt');
const key = pem('client.key');
const ca = pem('ca.crt');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Temporal connection options', () => {
  it('connects in plaintext to the dev server address when nothing is configured', () => {
    expect(temporalConnectionOptions(loadConfig({}))).toEqual({ address: '127.0.0.1:7233' });
  });

  it('uses mTLS with the client pair, the private CA and the server name override', () => {
    const options = temporalConnectionOptions(
      loadConfig({
        TEMPORAL_ADDRESS: 'temporal.internal:7233',
        TEMPORAL_TLS_CERT_PATH: cert,
        TEMPORAL_TLS_KEY_PATH: key,
        TEMPORAL_TLS_CA_PATH: ca,
        TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.internal',
      }),
    );
    expect(options.address).toBe('temporal.internal:7233');
    expect(options.tls?.serverNameOverride).toBe('frontend.temporal.internal');
    expect(Buffer.from(options.tls!.clientCertPair!.crt).toString()).toContain('client.crt');
    expect(Buffer.from(options.tls!.clientCertPair!.key).toString()).toContain('client.key');
    expect(Buffer.from(options.tls!.serverRootCACertificate!).toString()).toContain('ca.crt');
    expect(options.apiKey).toBeUndefined();
    expect(describeTemporalConnection(options)).toBe('temporal.internal:7233 (mTLS)');
  });

  it('turns TLS on with the system roots for a CA-less server name or an API key alone', () => {
    expect(temporalConnectionOptions(loadConfig({ TEMPORAL_TLS_SERVER_NAME: 'x.example' })).tls).toEqual({
      serverNameOverride: 'x.example',
    });
    const cloud = temporalConnectionOptions(
      loadConfig({
        TEMPORAL_ADDRESS: 'eu-west-1.aws.api.temporal.io:7233',
        TEMPORAL_NAMESPACE: 'hookflow.a1b2c',
        TEMPORAL_API_KEY: 'tcld-key',
      }),
    );
    expect(cloud).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      tls: {},
      apiKey: 'tcld-key',
      metadata: { 'temporal-namespace': 'hookflow.a1b2c' },
    });
    expect(describeTemporalConnection(cloud)).toBe('eu-west-1.aws.api.temporal.io:7233 (TLS, API key)');
  });

  it('rejects a client certificate without its key, naming the missing variable', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: cert })).toThrow(
      /TEMPORAL_TLS_KEY_PATH: is required when TEMPORAL_TLS_CERT_PATH is set/,
    );
    expect(() => loadConfig({ TEMPORAL_TLS_KEY_PATH: key })).toThrow(/TEMPORAL_TLS_CERT_PATH: is required/);
  });

  it('fails at start with the variable name when a certificate file cannot be read', () => {
    const config = loadConfig({ TEMPORAL_TLS_CA_PATH: join(dir, 'missing.crt') });
    expect(() => temporalConnectionOptions(config)).toThrow(ConfigError);
    expect(() => temporalConnectionOptions(config)).toThrow(
      /TEMPORAL_TLS_CA_PATH: cannot read .*missing\.crt \(ENOENT\)/,
    );
  });
});
