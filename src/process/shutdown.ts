import type { Logger } from '../logging.js';
import { describeStartupFailure } from './startup-failure.js';

/**
 * Runs `stop` once on the first SIGTERM/SIGINT; the same signal again exits at once. A different
 * signal while draining is the supervisor's stop following the terminal's Ctrl-C (which reaches the
 * whole process group): it is not a second request, so the drain goes on.
 */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping: NodeJS.Signals | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping === signal) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    if (stopping) {
      logger.info({ signal, first: stopping }, 'already draining');
      return;
    }
    stopping = signal;
    logger.info({ event: 'shutdown_started', signal }, 'shutting down');
    stop().then(
      () => {
        logger.info({ event: 'shutdown_complete' }, 'stopped cleanly');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

/** Prints a configuration or startup error plainly (no stack for expected failures) and exits. */
export function exitWithStartupError(error: unknown): never {
  // A config error lists every bad variable; anything else is one line naming the cause (no stack).
  const message =
    error instanceof Error && error.name === 'ConfigError' ? error.message : describeStartupFailure(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
