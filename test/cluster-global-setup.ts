// `npm run test:cluster`: provisions the production topology instead of the dev server (a Temporal
// server on PostgreSQL with SQL visibility, src/dev/temporal-cluster.ts) and provides the same values
// as test/global-setup.ts, so the integration files run unchanged against it.
import { rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { writeEntryBundles } from './helpers/entry-bundles.js';
import { writeWorkflowBundle } from './helpers/workflow-bundle-file.js';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config.js';
import { migrateDatabaseAt } from '../src/db/migrate.js';
import { startEmbeddedPostgres } from '../src/dev/embedded-postgres.js';
import { freePort, freePortBlock } from '../src/dev/free-port.js';
import { provisionTemporalCli } from '../src/dev/temporal-cli.js';
import { startTemporalCluster } from '../src/dev/temporal-cluster.js';
import { dropTemporalDatabases } from './helpers/temporal-databases.js';

export default async function setup(project: TestProject) {
  const started = Date.now();
  const config = loadConfig({ ...process.env, TEMPORAL_ADDRESS: undefined });
  const log = (line: string) => console.log(`[test-cluster] ${line}`);
  const database = `hookflow_cluster_${Date.now().toString(36)}_${process.pid}`;
  // Its own embedded cluster: Temporal's databases and Hookflow's on one server, as in the compose file.
  const postgres = await startEmbeddedPostgres(join(config.DATA_DIR, 'test-cluster-postgres'), database, log);
  await migrateDatabaseAt(postgres.url);
  const pg = new URL(postgres.url);
  const base = await freePortBlock(9);
  const dataDir = resolve(config.DATA_DIR, 'test-cluster');
  // A fresh Temporal each run: its databases are dropped first (the schema tool recreates them).
  await dropTemporalDatabases(postgres.url);
  const temporal = await startTemporalCluster({
    dataDir: config.DATA_DIR,
    clusterDir: dataDir,
    postgres: { host: pg.hostname, port: Number(pg.port), user: pg.username, password: pg.password },
    ports: { frontend: base, internalBase: base + 1, metrics: base + 8, ui: await freePort() },
    namespace: 'default',
    retentionDays: 1,
    log,
  });
  const cli = await provisionTemporalCli({ dataDir: config.DATA_DIR, allowSdkDownload: false, log });
  const workflowBundlePath = await writeWorkflowBundle(dataDir, `workflow-bundle-${process.pid}.js`);
  const entryBundles = await writeEntryBundles(`entries-cluster-${process.pid}`);

  project.provide('temporalAddress', temporal.address);
  project.provide('databaseUrl', postgres.url);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('temporalCliPath', cli.kind === 'binary' ? cli.path : 'temporal');
  project.provide('temporalLogPath', temporal.logFile);
  project.provide('entryBundles', entryBundles);
  log(
    `Temporal cluster ${temporal.address} (UI ${temporal.uiUrl}), PostgreSQL ${database} ready in ${Date.now() - started} ms`,
  );

  return async () => {
    try {
      await temporal.stop();
    } finally {
      await postgres.stop();
      rmSync(workflowBundlePath, { force: true });
      rmSync(dirname(entryBundles.cli), { recursive: true, force: true });
    }
  };
}
