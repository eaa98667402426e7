// `npm start`: the whole stack on one machine — Temporal dev server + UI, embedded PostgreSQL, API, worker.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { devDataPaths, startInfrastructure, type Infrastructure } from '../src/dev/dev-stack.js';
import { portInUse } from '../src/dev/free-port.js';
import { describeStartupFailure } from '../src/process/startup-failure.js';
import { resolveManagementKey } from '../src/management-key.js';
import { spawnEntry, stopChild, waitForReady } from '../src/dev/child-processes.js';
import { runInOwnProcessGroup } from '../src/dev/own-process-group.js';
import { stackShutdown } from '../src/dev/stack-shutdown.js';
import { exitWithStartupError } from '../src/process/shutdown.js';

// Everything below runs in a process group of its own: a terminal's Ctrl-C reaches only the launcher,
// which asks once, so what this starts (Temporal, PostgreSQL, API, worker) is stopped in order.
const launcherGone = await runInOwnProcessGroup();

const say = (line: string) => process.stdout.write(`[hookflow] ${line}\n`);
/** How long the API and worker get to drain when the launcher is gone (then SIGKILL). */
const LAUNCHER_GONE_GRACE_MS = 5_000;
const entry = (name: string) =>
  fileURLToPath(new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

// What has been started, so a failed start can stop it again: nothing of ours is left running.
let infraStart: Promise<Infrastructure> | undefined;
const children: ChildProcess[] = [];
let ready = false;
// A stop asked for while the infrastructure is still starting gives that start up, and nothing starts after it.
const startAbort = new AbortController();
/** Stops the children, then the infrastructure. */
const lifecycle = stackShutdown({
  say,
  stoppingLine: 'stopping…',
  stop: async (graceMs) => {
    startAbort.abort();
    await Promise.all(children.map((child) => stopChild(child, graceMs)));
    // A start that gave up has stopped what it had started itself, and its error is the start's to report.
    const infra = await infraStart?.catch(() => undefined);
    await infra?.stop();
  },
  launcherGone,
  launcherGoneGraceMs: LAUNCHER_GONE_GRACE_MS,
});

try {
  const config = loadConfig({ ALLOW_PRIVATE_TARGETS: 'true', ...process.env });
  const paths = devDataPaths(config);
  // Checked before anything starts (the API binds 0.0.0.0): a taken port costs no Temporal start and stop.
  if (config.PORT !== 0 && (await portInUse(config.PORT, '0.0.0.0')))
    throw new Error(
      `API port ${config.PORT} is already in use: stop whatever listens there (another \`npm start\`?) or set PORT.`,
    );
  say('starting infrastructure…');
  const infra = await (infraStart = startInfrastructure(config, {
    temporalPort: config.DEV_TEMPORAL_PORT,
    temporalUiPort: config.DEV_TEMPORAL_UI_PORT,
    temporalDbFile: paths.temporalDbFile,
    postgresDir: paths.postgresDir,
    database: 'hookflow',
    log: say,
    signal: startAbort.signal,
  }));
  startAbort.signal.throwIfAborted();
  const { key } = resolveManagementKey(config);
  const env = {
    ...process.env,
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    MANAGEMENT_API_KEY: key,
    ALLOW_PRIVATE_TARGETS: String(config.ALLOW_PRIVATE_TARGETS),
    PORT: String(config.PORT),
  };
  children.push(spawnEntry(entry('worker'), env), spawnEntry(entry('api'), env));
  // Before ready, waitForReady reports a child's exit as the failed start.
  for (const child of children)
    child.on(
      'exit',
      (code) =>
        ready &&
        !lifecycle.stopping &&
        (say(`a child process exited (code ${code}); stopping the stack`), void lifecycle.shutdown(1)),
    );

  const apiUrl = `http://127.0.0.1:${config.PORT}`;
  await waitForReady(apiUrl, children);
  ready = true;
  say('ready.');
  say(`  API          ${apiUrl}   (health: ${apiUrl}/readyz)`);
  say(`  Temporal UI  ${infra.temporalUiUrl ?? '(external Temporal at ' + infra.temporalAddress + ')'}`);
  say(`  Temporal     ${infra.temporalAddress}`);
  say(`  PostgreSQL   ${infra.databaseUrl.replace(/:[^:@/]+@/, ':****@')}`);
  say(`  Management key (dev): ${key}`);
  say('  Try:  export HOOKFLOW_URL=' + apiUrl + ' MANAGEMENT_API_KEY=' + key);
  say('        npm run cli -- sources create demo --scheme hmac-sha256 --secret demo-secret-123');
  say('        npm run cli -- send demo --scheme hmac-sha256 --secret demo-secret-123');
  say('Ctrl-C stops everything.');
} catch (error) {
  // A signal during startup is a stop, not a failure: its shutdown reports and exits.
  const signalled = lifecycle.stopping;
  await lifecycle.stopOnce(5_000);
  if (!signalled) {
    // A config error lists every bad variable, as each Hookflow process prints it.
    if (error instanceof Error && error.name === 'ConfigError') exitWithStartupError(error);
    // The cause in one line: what was started has been stopped, and a stack trace would bury the reason.
    process.stderr.write(`[hookflow] start failed: ${describeStartupFailure(error)}\n`);
    process.exit(1);
  }
}
