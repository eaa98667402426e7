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

/** Waits until the API at `url` answers `/readyz` 200; fails at once when one of `children` exits first. */
export async function waitForReady(url: string, children: ChildProcess[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // Bounded: whatever holds the port without answering (not our API) must not stall the start.
    const ok = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    // Checked after the fetch, so a child that died meanwhile is not taken for ready.
    if (children.some((c) => c.exitCode !== null || c.signalCode !== null))
      throw new Error('a Hookflow process exited during startup (see its output above)');
    if (ok) return;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs / 1000} s`);
}
