import { randomUUID } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../logging.js';
import { activeTraceId } from '../tracing.js';
import type { AppEnv } from './context.js';

const USABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours `x-request-id` as the trace id (when it is a sane token), else mints one; echoes it back. */
export function traceIds(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id');
    // x-request-id wins; else the OpenTelemetry trace id (when tracing), so one id names the request everywhere.
    const traceId = given && USABLE_REQUEST_ID.test(given) ? given : (activeTraceId() ?? randomUUID());
    c.set('traceId', traceId);
    c.set('logger', logger.child({ traceId }));
    c.header('x-request-id', traceId);
    await next();
  };
}
