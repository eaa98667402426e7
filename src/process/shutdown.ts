import type { Logger } from '../logging.js';

/** Runs `stop` once on the first SIGTERM/SIGINT; a second signal exits at once. */
export function onShutdownSignal(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(1);
    }
    stopping = true;
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
  const message =
    error instanceof Error
      ? error.name === 'ConfigError'
        ? error.message
        : (error.stack ?? error.message)
      : String(error);
  process.stderr.write(`${message}\n`);
  process.exit(1);
}
