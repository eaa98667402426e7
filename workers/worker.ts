// Worker process: Temporal workflows + activities on the `hookflow` task queue. Wiring only.
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logging.js';
import { exitWithStartupError, onShutdownSignal } from '../src/process/shutdown.js';
import { startWorker } from '../src/worker-setup/start-worker.js';

try {
  const config = loadConfig();
  if (!config.DATABASE_URL)
    throw new Error('DATABASE_URL is required for the worker process (`npm start` provides one in development).');
  const logger = createLogger('worker', config.LOG_LEVEL);
  const worker = await startWorker(config, logger);
  onShutdownSignal(logger, () => worker.stop());
  worker.done.catch((error: unknown) => {
    logger.fatal({ err: error }, 'worker stopped with an error');
    process.exit(1);
  });
} catch (error) {
  exitWithStartupError(error);
}
