// The Temporal server's configuration for `npm run cluster`: the topology of temporal-compose.yml
// (PostgreSQL persistence and PostgreSQL SQL visibility, the compose file's dynamic config) as one
// server process on loopback. Rendered from the settings below; docs/deployment.md explains each.

/** Where Temporal's two databases live (the same PostgreSQL server as Hookflow's). */
export interface TemporalPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
}

/** Temporal's connection settings for the PostgreSQL server a `postgres://` URL names. */
export function temporalPostgresOf(databaseUrl: string): TemporalPostgres {
  const url = new URL(databaseUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 5432),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  };
}

/** The server's ports: the frontend's gRPC port and the base of the ports its services take after it. */
export interface TemporalClusterPorts {
  frontend: number;
  /** history, matching and worker gRPC ports and every membership port are taken from here upwards (8 ports). */
  internalBase: number;
  /** Prometheus metrics of the server. */
  metrics: number;
}

/**
 * Connections per pool. One server process runs four services, and each keeps its own pools of
 * the default store and of visibility: at most 4 × (DEFAULT_STORE + VISIBILITY) connections.
 */
export const TEMPORAL_POOL = { defaultStore: 8, visibility: 3 } as const;
export const TEMPORAL_DATABASES = { persistence: 'temporal', visibility: 'temporal_visibility' } as const;
/** Fixed when the cluster is created and never changeable afterwards; the same as temporal-compose.yml. */
export const NUM_HISTORY_SHARDS = 16;

const quote = (value: string) => JSON.stringify(value);

function datastore(name: string, database: string, maxConns: number, pg: TemporalPostgres): string {
  return `    ${name}:
      sql:
        pluginName: "postgres12"
        databaseName: ${quote(database)}
        connectAddr: ${quote(`${pg.host}:${pg.port}`)}
        connectProtocol: "tcp"
        user: ${quote(pg.user)}
        password: ${quote(pg.password)}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: "1h"`;
}

function service(name: string, grpcPort: number, membershipPort: number, extra = ''): string {
  return `  ${name}:
    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${membershipPort}
      bindOnLocalHost: true${extra}`;
}

/** The server's YAML config (the format of the server repo's config/development-postgres12.yaml). */
export function renderTemporalServerConfig(options: {
  postgres: TemporalPostgres;
  ports: TemporalClusterPorts;
  dynamicConfigFile: string;
  logLevel?: string;
}): string {
  const { postgres: pg, ports } = options;
  const p = (offset: number) => ports.internalBase + offset;
  return `# Written by \`npm run cluster\` (src/dev/temporal-cluster-config.ts); rewritten at every start.
log:
  stdout: true
  level: ${options.logLevel ?? 'warn'}

persistence:
  defaultStore: postgres-default
  visibilityStore: postgres-visibility
  numHistoryShards: ${NUM_HISTORY_SHARDS}
  datastores:
${datastore('postgres-default', TEMPORAL_DATABASES.persistence, TEMPORAL_POOL.defaultStore, pg)}
${datastore('postgres-visibility', TEMPORAL_DATABASES.visibility, TEMPORAL_POOL.visibility, pg)}

global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: "127.0.0.1"
  metrics:
    prometheus:
      framework: "tally"
      timerType: "histogram"
      listenAddress: "127.0.0.1:${ports.metrics}"

services:
${service('frontend', ports.frontend, p(0))}
${service('history', p(1), p(2))}
${service('matching', p(3), p(4))}
${service('worker', p(5), p(6))}

clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: "active"
  currentClusterName: "active"
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: "frontend"
      rpcAddress: "127.0.0.1:${ports.frontend}"

dcRedirectionPolicy:
  policy: "noop"

dynamicConfigClient:
  filepath: ${quote(options.dynamicConfigFile)}
  pollInterval: "60s"
`;
}

/** The Web UI server's config (ui-server's config/<env>.yaml format), pointed at the frontend. */
export function renderUiServerConfig(options: { frontend: string; port: number; namespace: string }): string {
  return `# Written by \`npm run cluster\` (src/dev/temporal-cluster-config.ts).
temporalGrpcAddress: ${quote(options.frontend)}
port: ${options.port}
enableUi: true
defaultNamespace: ${quote(options.namespace)}
cors:
  cookieInsecure: true
  allowOrigins: []
  unsafeAllowAllOrigins: false
refreshInterval: 1m
showTemporalSystemNamespace: false
notifyOnNewVersion: false
disableWriteActions: false
`;
}
