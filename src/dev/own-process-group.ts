import { spawn } from 'node:child_process';
import { Socket } from 'node:net';

const MARKER = 'HOOKFLOW_OWN_PROCESS_GROUP';
/** Signals closer together than this are one request (a terminal's Ctrl-C arrives directly and relayed by npm/tsx). */
const SAME_REQUEST_MS = 1_000;
/** The copy's descriptor for its end of the launcher link (stdio slot 3: the first after stdin, stdout, stderr). */
const LAUNCHER_LINK_FD = 3;

/**
 * Re-runs this entry point in a process group of its own and waits for it, passing stop signals on
 * once. A terminal's Ctrl-C signals its whole foreground process group; run this way, it reaches
 * only this launcher, never the servers and workers the entry point starts (an embedded PostgreSQL
 * stopping under a worker that is still draining would fail its last writes). In the re-run copy it
 * resolves at once, to a signal that aborts when the launcher is gone; in the launcher it never
 * resolves (it exits with the copy's exit code).
 */
export async function runInOwnProcessGroup(): Promise<AbortSignal> {
  if (process.env[MARKER] === '1') return launcherGone();
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, [MARKER]: '1' },
    // Slot 3 links the copy to this launcher: only this process holds the other end, so the kernel
    // closes it however the launcher ends, SIGKILL included (which no handler here would see).
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
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

/**
 * Aborts when the launcher's end of the link closes. A copy in a group of its own outlives a launcher
 * killed outright (SIGKILL of `npm start`'s group, an IDE's stop button): it must notice, or the whole
 * stack keeps its ports and the next `npm start` cannot bind them.
 */
function launcherGone(): AbortSignal {
  // The copy writes where the launcher did. A reader that went away with the launcher (an IDE's
  // console) must not take the copy down with EPIPE before it has stopped the stack: that output has
  // nowhere to go, so it is dropped; any other failure to write still surfaces.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
    });
  const gone = new AbortController();
  const link = new Socket({ fd: LAUNCHER_LINK_FD, readable: true, writable: false });
  // The launcher never writes: the only thing to read is the end of the stream when it exits.
  link.resume();
  // A broken link (reset rather than closed) means the same: the launcher is not there any more.
  link.on('error', (error) => gone.abort(error));
  link.once('close', () => gone.abort(new Error('the launcher exited')));
  // Watching must not keep the copy alive once its own work is done.
  link.unref();
  return gone.signal;
}
