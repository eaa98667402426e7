import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths pino must never print: secrets, signatures and credentials wherever they appear. */
const redact = [
  'secret',
  'secrets',
  '*.secret',
  '*.secrets',
  'previousSecret',
  '*.previousSecret',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["webhook-signature"]',
  'headers["svix-signature"]',
  'headers["stripe-signature"]',
  'headers["x-hub-signature-256"]',
  'headers["x-shopify-hmac-sha256"]',
  'headers["x-signature"]',
];

const QUERY_FIELDS = ['query', 'params', 'parameters', 'args'];

/**
 * Error serializer that never prints query parameters: a failed INSERT of a source or
 * subscription would otherwise log its secret (drizzle and postgres.js attach the values).
 */
export function serializeError(error: unknown): Record<string, unknown> {
  const serialized = pino.stdSerializers.err(error as Error) as unknown as Record<string, unknown>;
  const scrub = (node: Record<string, unknown> | undefined, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 5) return;
    for (const field of QUERY_FIELDS) if (field in node) node[field] = '[redacted]';
    for (const field of ['message', 'stack']) {
      if (typeof node[field] === 'string')
        node[field] = (node[field] as string).replace(/params:[\s\S]*?(\n|$)/g, 'params: [redacted]$1');
    }
    scrub(node.cause as Record<string, unknown> | undefined, depth + 1);
  };
  scrub(serialized, 0);
  return serialized;
}

/**
 * JSON-lines logger for one process (`api`, `worker`, `dev`), on stdout. Writes are asynchronous:
 * lines logged while a write is in flight leave together in the next one (a synchronous write per
 * line was a syscall per line, two per spilled webhook), and pino flushes what is left when the process exits.
 */
export function createLogger(
  name: string,
  level: string,
  destination: pino.DestinationStream = pino.destination({ dest: 1, sync: false }),
): Logger {
  return pino(
    {
      name,
      level,
      base: { service: 'hookflow', process: name },
      redact: { paths: redact, censor: '[redacted]' },
      serializers: { err: serializeError, error: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
