// `npm start`: the whole stack on one machine — Temporal dev server + UI, embedded PostgreSQL, API, worker.
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config.js';
import { devDataPaths, startInfrastructure } from '../src/dev/dev-stack.js';
import { resolveManagementKey } from '../src/management-key.js';
import { spawnEntry, stopChild } from '../src/dev/child-processes.js';
import { exitWithStartupError } from '../src/process/shutdown.js';

const say = (line: string) => process.stdout.write(`[hookflow] ${line}\n`);
const entry = (name: string) =>
  fileURLToPath(new URL(`./${name}${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

async function waitForReady(url: string, children: ChildProcess[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (children.some((c) => c.exitCode !== null))
      throw new Error('a Hookflow process exited during startup (see its output above)');
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs / 1000} s`);
}

// What has been started, so a failed start can stop it again: nothing of ours is left running.
let infra: Awaited<ReturnType<typeof startInfrastructure>> | undefined;
const children: ChildProcess[] = [];

try {
  const config = loadConfig({ ALLOW_PRIVATE_TARGETS: 'true', ...process.env });
  const paths = devDataPaths(config);
  say('starting infrastructure…');
  infra = await startInfrastructure(config, {
    temporalPort: 7233,
    temporalUiPort: 8233,
    temporalDbFile: paths.temporalDbFile,
    postgresDir: paths.postgresDir,
    database: 'hookflow',
    log: say,
  });
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
  const started = infra;
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    await Promise.all(children.map((child) => stopChild(child)));
    await started.stop();
    say('stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));
  for (const child of children)
    child.on(
      'exit',
      (code) => !stopping && (say(`a child process exited (code ${code}); stopping the stack`), void shutdown(1)),
    );

  const apiUrl = `http://127.0.0.1:${config.PORT}`;
  await waitForReady(apiUrl, children);
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
  await Promise.all(children.map((child) => stopChild(child, 5_000)));
  await infra?.stop();
  exitWithStartupError(error);
}
