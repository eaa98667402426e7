/**
 * How a stack started by a launcher (`npm start`, `npm run cluster`) stops: `stop` runs once however
 * many paths ask (a signal, a child's exit, a failed start). SIGINT/SIGTERM/SIGHUP and the launcher's
 * death ask from the first moment, so a stop during startup stops what has been started so far.
 */
export function stackShutdown(options: {
  say: (line: string) => void;
  /** Said before stopping (what stops, in which order). */
  stoppingLine: string;
  stop: (graceMs?: number) => Promise<void>;
  launcherGone: AbortSignal;
  /**
   * A launcher killed outright (SIGKILL of its group, an IDE's stop button) asks nothing: nobody waits
   * for a drain then, and the next start needs the ports within seconds.
   */
  launcherGoneGraceMs: number;
}) {
  let stopping: Promise<void> | undefined;
  const stopOnce = (graceMs?: number) => (stopping ??= options.stop(graceMs));
  const shutdown = async (code: number, graceMs?: number) => {
    if (stopping) return;
    options.say(options.stoppingLine);
    await stopOnce(graceMs);
    options.say('stopped.');
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0));
  const onLauncherGone = () => {
    if (stopping) return;
    options.say('the launcher is gone (killed?): stopping the stack');
    void shutdown(1, options.launcherGoneGraceMs);
  };
  if (options.launcherGone.aborted) onLauncherGone();
  else options.launcherGone.addEventListener('abort', onLauncherGone, { once: true });
  return {
    /** Stops what was started (once); for a failed start, which reports and exits itself. */
    stopOnce,
    /** Stops, says so, and exits with `code`. */
    shutdown,
    /** Whether a stop has begun (by any path). */
    get stopping() {
      return stopping !== undefined;
    },
  };
}
