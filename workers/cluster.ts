// `npm run cluster`: the production topology of temporal-compose.yml on one machine without
// containers: PostgreSQL (embedded, or DATABASE_URL's server), the Temporal server on it (persistence
// and SQL visibility) with its Web UI, then two API and two worker processes (docs/deployment.md).
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { migrateDatabaseAt } from '../src/db/migrate.js';
import { spawnEntry, stopChild, waitForReady } from '../src/dev/child-processes.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../src/dev/embedded-postgres.js';
import { portInUse } from '../src/dev/free-port.js';
import { runInOwnProcessGroup } from '../src/dev/own-process-group.js';
import { restartOnExit, type Restartable, type RestartSupervisor } from '../src/dev/restart-on-exit.js';
import { stackShutdown } from '../src/dev/stack-shutdown.js';
import { startTemporalCluster, type TemporalCluster } from '../src/dev/temporal-cluster.js';
import { temporalPostgresOf } from '../src/dev/temporal-cluster-config.js';
import { resolveManagementKey } from '../src/management-key.js';
import { exitWithStartupError } from '../src/process/shutdown.js';
import { describeStartupFailure } from '../src/process/startup-failure.js';

const launcherGone = await runInOwnProcessGroup();
const say = (line: string) => process.stdout.write(`[hookflow cluster] ${line}\n`);
const entry = (name: string) =>
  fileURLToPath(new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));
/** Each replica's own port offset from the first (two APIs, two workers). */
const REPLICAS = [0, 1];

// Stopped in the reverse order of their start: APIs, workers, the Temporal server and UI, PostgreSQL.
const stops: (() => Promise<void>)[] = [];
const apis: ChildProcess[] = [];
const workers: ChildProcess[] = [];
let ready = false;
let restarts: RestartSupervisor | undefined;
const lifecycle = stackShutdown({
  say,
  stoppingLine: 'stopping (APIs, workers, Temporal, PostgreSQL)…',
  stop: async (graceMs) => {
    restarts?.stop();
    await Promise.all(apis.map((child) => stopChild(child, graceMs)));
    await Promise.all(workers.map((child) => stopChild(child, graceMs)));
    for (const stop of stops.reverse()) await stop().catch(() => {});
  },
  launcherGone,
  launcherGoneGraceMs: 5_000,
});

try {
  const config = loadConfig({ ALLOW_PRIVATE_TARGETS: 'true', ...process.env });
  const apiPorts = REPLICAS.map((i) => config.CLUSTER_API_PORT + i);
  for (const port of [config.CLUSTER_TEMPORAL_PORT, config.CLUSTER_TEMPORAL_UI_PORT, ...apiPorts])
    if (await portInUse(port))
      throw new Error(
        `Port ${port} is already in use: stop whatever listens there (\`npm start\`?) or set the CLUSTER_* ports.`,
      );

  say('starting PostgreSQL…');
  const database: Pick<EmbeddedDatabase, 'url' | 'stop' | 'running' | 'restart'> = config.DATABASE_URL
    ? { url: config.DATABASE_URL, stop: async () => {} }
    : await startEmbeddedPostgres(join(config.DATA_DIR, 'cluster-postgres'), 'hookflow', say);
  stops.push(() => database.stop());
  await migrateDatabaseAt(database.url);

  const temporal: TemporalCluster = await startTemporalCluster({
    dataDir: config.DATA_DIR,
    postgres: temporalPostgresOf(database.url),
    ports: {
      frontend: config.CLUSTER_TEMPORAL_PORT,
      internalBase: config.CLUSTER_TEMPORAL_PORT + 100,
      metrics: config.CLUSTER_TEMPORAL_PORT + 107,
      ui: config.CLUSTER_TEMPORAL_UI_PORT,
    },
    namespace: config.TEMPORAL_NAMESPACE,
    retentionDays: config.CLUSTER_NAMESPACE_RETENTION_DAYS,
    log: say,
  });
  stops.push(() => temporal.stop());

  const { key } = resolveManagementKey(config);
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: temporal.address,
    MANAGEMENT_API_KEY: key,
    ALLOW_PRIVATE_TARGETS: String(config.ALLOW_PRIVATE_TARGETS),
  };
  for (const i of REPLICAS)
    workers.push(
      spawnEntry(entry('worker'), { ...env, WORKER_METRICS_PORT: String(config.CLUSTER_WORKER_METRICS_PORT + i) }),
    );
  for (const port of apiPorts) apis.push(spawnEntry(entry('api'), { ...env, PORT: String(port) }));
  // A replica that dies leaves the others running, as an orchestrator's would; only when none of a
  // kind is left does the topology stop.
  for (const [kind, group] of [
    ['API', apis],
    ['worker', workers],
  ] as const)
    for (const child of group)
      child.on('exit', (code, signal) => {
        if (!ready || lifecycle.stopping) return;
        const left = group.filter((c) => c.exitCode === null && c.signalCode === null).length;
        say(`${kind} ${child.pid} exited (${code ?? signal}); ${left} ${kind} replica(s) left`);
        if (left === 0) void lifecycle.shutdown(1);
      });
  for (const port of apiPorts) await waitForReady(`http://127.0.0.1:${port}`, [...apis, ...workers]);
  ready = true;
  const restartable: Restartable[] = [temporal.server];
  if (database.running && database.restart)
    restartable.push({ name: 'PostgreSQL', running: database.running, restart: database.restart });
  restarts = restartOnExit(restartable, { delayMs: config.CLUSTER_RESTART_DELAY, log: say });
  say('ready.');
  for (const port of apiPorts) say(`  API          http://127.0.0.1:${port}   (health: /readyz)`);
  say(
    `  Workers      2 (metrics http://127.0.0.1:${config.CLUSTER_WORKER_METRICS_PORT}/metrics and :${config.CLUSTER_WORKER_METRICS_PORT + 1})`,
  );
  say(`  Temporal UI  ${temporal.uiUrl}`);
  say(`  Temporal     ${temporal.address}   (server pid ${temporal.serverPid}, log ${temporal.logFile})`);
  say(`  PostgreSQL   ${database.url.replace(/:[^:@/]+@/, ':****@')}`);
  say(`  Management key: ${key}`);
  say(
    `The Temporal server${restartable.length > 1 ? ' and PostgreSQL are' : ' is'} restarted ${config.CLUSTER_RESTART_DELAY / 1000} s after dying (CLUSTER_RESTART_DELAY). Ctrl-C stops everything.`,
  );
} catch (error) {
  const signalled = lifecycle.stopping;
  await lifecycle.stopOnce(5_000);
  if (!signalled) {
    if (error instanceof Error && error.name === 'ConfigError') exitWithStartupError(error);
    process.stderr.write(`[hookflow cluster] start failed: ${describeStartupFailure(error)}\n`);
    process.exit(1);
  }
}
