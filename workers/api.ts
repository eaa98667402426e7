// API process: HTTP ingress + management API. Wiring only.
import { loadConfig } from '../src/config.js';
import { startApi } from '../src/http/server.js';
import { createLogger } from '../src/logging.js';
import { resolveManagementKey } from '../src/management-key.js';
import { exitWithStartupError, onShutdownSignal } from '../src/process/shutdown.js';

try {
  const config = loadConfig();
  if (!config.DATABASE_URL)
    throw new Error('DATABASE_URL is required for the API process (`npm start` provides one in development).');
  const logger = createLogger('api', config.LOG_LEVEL);
  const { key } = resolveManagementKey(config);
  const api = await startApi(config, logger, key);
  onShutdownSignal(logger, () => api.stop());
} catch (error) {
  exitWithStartupError(error);
}
