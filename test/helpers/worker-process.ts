import { spawn, type ChildProcess } from 'node:child_process';
import { inject } from 'vitest';
import type { Config } from '../../src/config.js';
import { reaped, startedOrKilled } from './child-reaper.js';

/** Runs `workers/worker.ts` (compiled, test/helpers/entry-bundles.ts) as a real child process configured like `config`; resolves once it polls. */
export async function spawnWorkerProcess(config: Config, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = reaped(
    spawn(process.execPath, [inject('entryBundles').worker], {
      env: {
        ...process.env,
        INGRESS_SPILLOVER_AFTER: '10s',
        // As in the in-process stack: the circuit breaker only where a test turns it on.
        CIRCUIT_BREAKER_FAILURE_THRESHOLD: String(config.CIRCUIT_BREAKER_FAILURE_THRESHOLD),
        // The run's prebuilt workflow bundle: a worker bundling from source spends ~3 s of CPU first.
        WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'info',
        DATABASE_URL: config.DATABASE_URL,
        TEMPORAL_ADDRESS: config.TEMPORAL_ADDRESS,
        TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
        ALLOW_PRIVATE_TARGETS: 'true',
        WORKER_METRICS_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4_000)));
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start within 60 s\n${stderr}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"worker_started"')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker exited with ${code}\n${stderr}`));
    });
  });
  await startedOrKilled(child, started);
  child.removeAllListeners('exit');
  return child;
}

/** Kills a child process and waits until it is gone. */
export function killProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill(signal);
  });
}
