import { spawn } from 'node:child_process';

const MARKER = 'HOOKFLOW_OWN_PROCESS_GROUP';
/** Signals closer together than this are one request (a terminal's Ctrl-C arrives directly and relayed by npm/tsx). */
const SAME_REQUEST_MS = 1_000;

/**
 * Re-runs this entry point in a process group of its own and waits for it, passing stop signals on
 * once. A terminal's Ctrl-C signals its whole foreground process group; run this way, it reaches
 * only this launcher, never the servers and workers the entry point starts (an embedded PostgreSQL
 * stopping under a worker that is still draining would fail its last writes). Returns at once in
 * the re-run copy; in the launcher it never returns (it exits with the copy's exit code).
 */
export async function runInOwnProcessGroup(): Promise<void> {
  if (process.env[MARKER] === '1') return;
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, [MARKER]: '1' },
    stdio: 'inherit',
    detached: true,
  });
  let lastForwarded = 0;
  const forward = (signal: NodeJS.Signals) => {
    if (Date.now() - lastForwarded < SAME_REQUEST_MS) return;
    lastForwarded = Date.now();
    child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`[hookflow] could not start: ${error.message}\n`);
    process.exit(1);
  });
  const code = await new Promise<number>((resolve) =>
    child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))),
  );
  process.exit(code);
}
