import { spawn, type ChildProcess } from 'node:child_process';
import { repoRoot } from './repo-root.js';

/**
 * Spawns `node [nodeArgs] [--import tsx] <repo>/<file>` and resolves once its stdout shows `readyLine`
 * (90 s at most). `nodeArgs` lets a run profile a process (`--cpu-prof`).
 */
export function spawnTs(
  file: string,
  env: NodeJS.ProcessEnv,
  readyLine: string,
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  // Built JavaScript (dist/) runs on plain Node, as in production; TypeScript sources through tsx.
  const loader = file.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child = spawn(process.execPath, [...nodeArgs, ...loader, `${repoRoot}${file}`], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} not ready in 90 s`));
    }, 90_000);
    const watchForReady = (chunk: Buffer) => {
      if (!chunk.toString().includes(readyLine)) return;
      clearTimeout(timer);
      // From here the output flows unread (or into a log file a caller pipes it to): the bench
      // must not spend the product's CPU scanning every line it logs for the rest of the run.
      child.stdout!.off('data', watchForReady);
      child.stdout!.resume();
      resolve(child);
    };
    child.stdout!.on('data', watchForReady);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}`));
    });
  });
}
