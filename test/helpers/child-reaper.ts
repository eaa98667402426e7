import type { ChildProcess } from 'node:child_process';

// API and worker processes a test spawned. A test that fails before its afterAll stops them, or a
// vitest fork that exits, must not leave them running (seen: a worker spawned by a start that
// timed out on an overloaded machine outlived the whole suite). They are killed when this process
// exits, whatever the reason; a start that fails kills its child at once.
const children = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** Tracks `child` until it exits: it is killed if this process exits first. */
export function reaped<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Runs `start` for a tracked child; if it fails, kills the child before passing the error on. */
export async function startedOrKilled<T>(child: ChildProcess, start: Promise<T>): Promise<T> {
  try {
    return await start;
  } catch (error) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw error;
  }
}
