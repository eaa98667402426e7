// No vitest imports: the soak benchmark (bench/soak/stack.ts) runs Hookflow processes with this too.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../../src/dev/child-processes.js';

export interface LoggedProcess {
  child: ChildProcess;
  /** What the process wrote to stdout and stderr so far (its last `keepBytes`). */
  output(): string;
  /** SIGTERM (graceful drain), SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

const entries = {
  api: fileURLToPath(new URL('../../workers/api.ts', import.meta.url)),
  worker: fileURLToPath(new URL('../../workers/worker.ts', import.meta.url)),
};

/**
 * Runs `workers/api.ts` or `workers/worker.ts` as a real child process with `env` (on top of this
 * process's environment), keeps its output (the last `keepBytes` of it), and resolves once it logs `readyEvent`
 * (`api_listening`, `worker_started`).
 */
export async function spawnLogged(
  entry: keyof typeof entries,
  env: Record<string, string>,
  readyEvent: string,
  options: { timeoutMs?: number; keepBytes?: number } = {},
): Promise<LoggedProcess> {
  const { timeoutMs = 90_000, keepBytes = Infinity } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', entries[entry]], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let kept = '';
  const keep = (c: Buffer) => {
    kept += c.toString('utf8');
    if (kept.length > keepBytes) kept = kept.slice(-keepBytes);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const output = () => kept;
  let startup = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`${entry} did not log ${readyEvent} within ${timeoutMs} ms\n${output().slice(-4_000)}`)),
      timeoutMs,
    );
    const onData = (c: Buffer) => {
      startup = (startup + c.toString('utf8')).slice(-8_192);
      if (startup.includes(`"${readyEvent}"`)) finish();
    };
    const onExit = (code: number | null) =>
      finish(new Error(`${entry} exited with ${code} before ${readyEvent}\n${output().slice(-4_000)}`));
    function finish(error?: Error) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolve();
    }
    child.stdout!.on('data', onData);
    child.on('exit', onExit);
  });
  return {
    child,
    output,
    stop: (graceMs = 20_000) => stopChild(child, graceMs),
  };
}
