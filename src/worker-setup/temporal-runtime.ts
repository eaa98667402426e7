import { Runtime, type Logger as TemporalLogger, type LogLevel, type LogMetadata } from '@temporalio/worker';
import type { Logger } from '../logging.js';

let installed = false;

/** Sends the Temporal SDK's own logs (worker state, bundling…) through pino. Once per process. */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const sdkLogger = logger.child({ component: 'temporal-sdk' });
  const methods: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
    TRACE: 'trace',
    DEBUG: 'debug',
    INFO: 'debug',
    WARN: 'warn',
    ERROR: 'error',
  };
  const adapter: TemporalLogger = {
    log: (level: LogLevel, message: string, meta?: LogMetadata) => sdkLogger[methods[level]](meta ?? {}, message),
    trace: (message, meta) => sdkLogger.trace(meta ?? {}, message),
    debug: (message, meta) => sdkLogger.debug(meta ?? {}, message),
    info: (message, meta) => sdkLogger.debug(meta ?? {}, message),
    warn: (message, meta) => sdkLogger.warn(meta ?? {}, message),
    error: (message, meta) => sdkLogger.error(meta ?? {}, message),
  };
  Runtime.install({ logger: adapter });
}
