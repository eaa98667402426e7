// Whether a database error is PostgreSQL being unavailable (our outage), not a query's own fault.

// postgres.js connection errors, and SQLSTATE classes/codes that mean "not now" rather than "wrong".
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
/** How long a read before the POST may wait for PostgreSQL (a stopped server can hold a query for the connect timeout). */
export const PRE_SEND_DEADLINE_MS = 5_000;

/**
 * Rejects with a connect-timeout error (classified as unavailable) when the query has not answered in
 * time: the delivery activity must end well inside its start-to-close timeout, or Temporal counts the
 * timeout as one of the endpoint's attempts.
 */
export function withinDeadline<T>(query: PromiseLike<T>, ms = PRE_SEND_DEADLINE_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer from PostgreSQL within ${ms} ms`), { code: 'CONNECT_TIMEOUT' })),
      ms,
    );
  });
  return Promise.race([Promise.resolve(query), deadline]).finally(() => clearTimeout(timer));
}

const UNAVAILABLE_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction (a replica promoted, a failover in progress)
  '40001', // serialization_failure
]);

/** True when the error (or a cause of it) says PostgreSQL cannot be reached or cannot take writes now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (
    let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0;
    e && depth < 5;
    e = e.cause as typeof e, depth++
  ) {
    const code = typeof e.code === 'string' ? e.code : undefined;
    if (code && (CONNECTION_CODES.has(code) || UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08'))) return true;
  }
  return false;
}

/** The innermost message of an error chain (drizzle wraps the driver's error). */
export function rootMessage(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  for (let depth = 0; e?.cause && depth < 5; depth++) e = e.cause as typeof e;
  return String(e?.message ?? error);
}
