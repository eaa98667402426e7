// `npm run bench -- --temporal cluster`: the stack's Temporal is the production topology of
// `npm run cluster` (the Temporal server on PostgreSQL persistence and SQL visibility, docs/deployment.md)
// instead of the dev server, sharing one embedded PostgreSQL with Hookflow as the compose file does.
import { join } from 'node:path';
import type { Config } from '../../src/config.js';
import type { Infrastructure } from '../../src/dev/dev-stack.js';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres.js';
import { freePort, portInUse } from '../../src/dev/free-port.js';
import { startTemporalCluster } from '../../src/dev/temporal-cluster.js';
import { temporalPostgresOf } from '../../src/dev/temporal-cluster-config.js';
import { migrateDatabaseAt } from '../../src/db/migrate.js';

/**
 * `count` free ports in a row from a random base below 32768: the server records its services' gRPC
 * ports in `cluster_membership.rpc_port`, a smallint, so the kernel's ephemeral ports (from 32768) are
 * refused there (found by this bench: the server exits at start).
 */
async function freePortRange(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries += 1) {
    const base = 20_000 + Math.floor(Math.random() * (32_767 - 20_000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (!(await Promise.all(ports.map((port) => portInUse(port)))).some(Boolean)) return base;
  }
  throw new Error(`no ${count} free ports in a row found for the Temporal server's services`);
}

/** An embedded PostgreSQL (migrated) and a Temporal server cluster on it; stopped together. */
export async function startClusterInfrastructure(
  config: Config,
  name: string,
  log: (line: string) => void,
): Promise<{ infra: Infrastructure; database: string }> {
  const database = `${name}_${Date.now().toString(36)}`;
  const postgres = await startEmbeddedPostgres(join(config.DATA_DIR, `${name}-cluster-postgres`), database, log);
  try {
    await migrateDatabaseAt(postgres.url);
    // The frontend and the eight ports its services take after it, all below 32768.
    const base = await freePortRange(9);
    const temporal = await startTemporalCluster({
      dataDir: config.DATA_DIR,
      clusterDir: join(config.DATA_DIR, `${name}-cluster`),
      postgres: temporalPostgresOf(postgres.url),
      ports: {
        frontend: base,
        internalBase: base + 1,
        metrics: await freePort(),
        ui: await freePort(),
      },
      namespace: config.TEMPORAL_NAMESPACE,
      retentionDays: 1,
      log,
    });
    log(
      `Temporal cluster listening on ${temporal.address} (server pid ${temporal.serverPid}, log ${temporal.logFile})`,
    );
    return {
      database,
      infra: {
        databaseUrl: postgres.url,
        temporalAddress: temporal.address,
        temporalUiUrl: temporal.uiUrl,
        temporalPid: temporal.serverPid,
        async stop() {
          await temporal.stop();
          await postgres.stop();
        },
      },
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}
