import { spawn, type ChildProcess } from 'node:child_process';

/** Spawns a TypeScript entry point with tsx, inheriting stdio. */
export function spawnEntry(file: string, env: NodeJS.ProcessEnv): ChildProcess {
  const args = file.endsWith('.ts') ? ['--import', 'tsx', file] : [file];
  return spawn(process.execPath, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Sends SIGTERM and waits for exit; SIGKILL after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 25_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      done();
    });
    child.kill('SIGTERM');
  });
}
