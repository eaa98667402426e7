// A process of its own for test/reliability/postgres-driver-crash.test.ts: an uncatchable error in
// postgres.js kills this process (Node's default), which the test sees as a non-zero exit with the
// stack on stderr, instead of vitest catching it. Runs query loops through the app's pool
// (`openDatabase`, so the same postgres.js options as the API and worker) until stdin closes, then
// prints what became of every query as one JSON line.
//
// postgres.js waits between reconnects with a backoff that grows with the failures (up to 20 s), so
// after many disruptions a query can wait that long for a connection: the settle deadline allows for it.
//
// Usage: node --import tsx test/helpers/postgres-query-load.ts <database url> [loops] [pool size]
import { sql } from 'drizzle-orm';
import { closeDatabase, openDatabase } from '../../src/db/client.js';

/** What became of the queries so far; the last line the process prints. */
export interface QueryLoadReport {
  event: 'query_load_progress' | 'query_load_finished';
  succeeded: number;
  rejected: number;
  transactionsCommitted: number;
  transactionsRejected: number;
  /** Queries that succeeded with an answer other than the one asked for. */
  wrongAnswers: number;
  /** Rejections by error code (postgres.js `code`, a socket `code`, or PostgreSQL's SQLSTATE). */
  rejectedBy: Record<string, number>;
  /** The first error seen for each code that is not a connection or SQLSTATE code (a class name such as
   *  `TypeError`): its message and the top of its stack, so that a failed run says where it came from. */
  rejectedSamples: Record<string, string>;
  /** Queries still pending when the loops were asked to stop and the settle deadline passed. */
  unsettled?: number;
  /** What those queries were (plain query or transaction) and how long they had been pending, in ms. */
  unsettledQueries?: { kind: 'query' | 'transaction'; pendingMs: number }[];
  /** The longest any query took to settle, in ms. */
  slowestMs: number;
  /** Whether a query after the last disruption succeeded (the pool reconnected). */
  recovered?: boolean;
  /** TCP sockets still open after the pool's `end()` (postgres.js loses track of some under churn). */
  socketsOpenAfterEnd?: number;
}

const SETTLE_MS = 30_000;
const [url, loopsArg = '50', poolArg = '20'] = process.argv.slice(2);
if (!url) throw new Error('usage: postgres-query-load.ts <database url> [loops] [pool size]');
const db = openDatabase(url, Number(poolArg));

const report: QueryLoadReport = {
  event: 'query_load_progress',
  succeeded: 0,
  rejected: 0,
  transactionsCommitted: 0,
  transactionsRejected: 0,
  wrongAnswers: 0,
  rejectedBy: {},
  rejectedSamples: {},
  slowestMs: 0,
};
/** The start time and kind of each query in flight, by loop. */
const inFlight = new Map<number, { kind: 'query' | 'transaction'; startedAt: number }>();
let stopping = false;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Sizes either side of postgres.js' 1024-byte threshold: smaller writes are buffered and flushed from
// a setImmediate (the path that throws), larger ones are written at once and may queue in the socket.
const payloads = [40, 700, 4_000, 64_000].map((size) => 'x'.repeat(size));

function codeOf(error: unknown): string {
  // drizzle wraps the driver's error; its `cause` carries the code.
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (typeof e.code === 'string') return e.code;
  return error instanceof Error ? error.constructor.name : typeof error;
}

/** An error's message and the top of its stack, with the causes drizzle wraps around the driver's. */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (
    let e = error as { stack?: unknown; cause?: unknown } | undefined;
    e && parts.length < 3;
    e = e.cause as typeof e
  )
    parts.push(typeof e.stack === 'string' ? e.stack.split('\n').slice(0, 8).join('\n') : String(e));
  return parts.join('\ncaused by: ');
}

/** One query (or transaction, as the app's `db.transaction` runs them), chosen by `i`. */
async function runQuery(i: number): Promise<void> {
  const payload = payloads[i % payloads.length]!;
  if (i % 3 === 2) {
    // A transaction open across a round trip, as recordDeadLetter's. When its connection closes
    // mid-transaction, postgres.js writes its own ROLLBACK on that connection: the write that threw
    // unpatched. Plain pooled queries alone did not trigger it in 30 s of disruptions.
    const n = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_sleep(0.01)`);
      const [row] = await tx.execute<{ n: number }>(sql`select length(${payload}) as n`);
      return row!.n;
    });
    if (Number(n) !== payload.length) report.wrongAnswers++;
    report.transactionsCommitted++;
    return;
  }
  const [row] = await db.execute<{ n: number }>(sql`select length(${payload}) as n`);
  if (Number(row!.n) !== payload.length) report.wrongAnswers++;
}

async function loop(id: number): Promise<void> {
  for (let i = id; !stopping; i++) {
    const startedAt = Date.now();
    inFlight.set(id, { kind: i % 3 === 2 ? 'transaction' : 'query', startedAt });
    try {
      await runQuery(i);
      report.succeeded++;
    } catch (error) {
      report.rejected++;
      if (i % 3 === 2) report.transactionsRejected++;
      const code = codeOf(error);
      report.rejectedBy[code] = (report.rejectedBy[code] ?? 0) + 1;
      if (!/^[0-9A-Z_]+$/.test(code) && !(code in report.rejectedSamples))
        report.rejectedSamples[code] = describe(error);
      // While PostgreSQL is down every query is refused at once: pace the retries.
      await sleep(20);
    } finally {
      inFlight.delete(id);
      report.slowestMs = Math.max(report.slowestMs, Date.now() - startedAt);
    }
  }
}

/** Whether `promise` settles within `ms`. */
async function settlesWithin(ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(() => true),
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]);
  clearTimeout(timer);
  return settled;
}
const print = () => console.log(JSON.stringify(report));
const progress = setInterval(print, 200);
const loops = Array.from({ length: Number(loopsArg) }, (_, id) => loop(id));
await new Promise<void>((resolve) => {
  process.stdin.on('end', resolve);
  process.stdin.resume();
});
stopping = true;
const settled = await settlesWithin(SETTLE_MS, Promise.all(loops));
clearInterval(progress);
report.event = 'query_load_finished';
if (!settled) {
  report.unsettled = inFlight.size;
  report.unsettledQueries = [...inFlight.values()].map(({ kind, startedAt }) => ({
    kind,
    pendingMs: Date.now() - startedAt,
  }));
  print();
  process.exit(2);
}
report.recovered = await settlesWithin(
  SETTLE_MS,
  db.execute(sql`select 1`).catch((error: unknown) => {
    console.error(`query after the disruptions failed: ${String(error)}`);
    throw error;
  }),
).catch(() => false);
await closeDatabase(db);
report.socketsOpenAfterEnd = process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
print();
// Exits rather than waiting for the event loop to drain: sockets postgres.js lost track of would keep
// it alive (counted above); what this process is for is done.
process.exit(0);
