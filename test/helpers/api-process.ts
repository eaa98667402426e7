import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import type { Config } from '../../src/config.js';
import { freePort } from '../../src/dev/free-port.js';
import { waitFor } from './wait.js';
import { reaped, startedOrKilled } from './child-reaper.js';

/** Runs `workers/api.ts` (compiled, test/helpers/entry-bundles.ts) as a real child process configured like `config`; resolves once /readyz is 200. */
export async function spawnApiProcess(
  config: Config,
  managementKey: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const port = await freePort();
  let output = '';
  const child = reaped(
    spawn(process.execPath, [inject('entryBundles').api], {
      env: {
        ...process.env,
        INGRESS_SPILLOVER_AFTER: '10s',
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: env.LOG_LEVEL ?? 'info',
        PORT: String(port),
        DATABASE_URL: config.DATABASE_URL,
        TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
        MANAGEMENT_API_KEY: managementKey,
        ALLOW_PRIVATE_TARGETS: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${port}`;
  await startedOrKilled(
    child,
    waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`api exited with ${child.exitCode}\n${output}`);
        return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the API process to be ready' },
    ),
  );
  return { child, url, output: () => output };
}
