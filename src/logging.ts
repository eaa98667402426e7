import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths pino must never print: secrets, signatures and credentials wherever they appear. */
const redact = [
  'secret', 'secrets', '*.secret', '*.secrets', 'previousSecret', '*.previousSecret',
  'authorization', '*.authorization', 'headers.authorization',
  'headers["webhook-signature"]', 'headers["svix-signature"]', 'headers["stripe-signature"]',
  'headers["x-hub-signature-256"]', 'headers["x-shopify-hmac-sha256"]', 'headers["x-signature"]',
];

/** JSON-lines logger for one process (`api`, `worker`, `dev`). */
export function createLogger(name: string, level: string): Logger {
  return pino({
    name,
    level,
    base: { service: 'hookflow', process: name },
    redact: { paths: redact, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
