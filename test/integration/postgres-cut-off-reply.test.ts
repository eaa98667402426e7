import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/db/client.js';
import { waitFor } from '../helpers/wait.js';

// Regression test for the pending-query guard of scripts/patch-postgres-js.mjs: when a connection
// closed part-way through a reply, postgres.js kept that reply's state for the next connection in the
// pool slot — the error that came before the close, which then rejected the next connection's first
// query, and the reply's row count (the next connection's catalog query absorbs that one). The
// driver-crash test saw replies taken out of turn about once in 40,000 queries; here the cut is made
// on purpose.
const APPLICATION_NAME = `hookflow-cut-off-reply-${process.pid}`;
const ROUNDS = 3;

const url = new URL(inject('databaseUrl'));
url.searchParams.set('application_name', APPLICATION_NAME);
const db = openDatabase(url.toString(), 1);
const admin = postgres(inject('databaseUrl'), { max: 1, onnotice: () => {} });

afterAll(async () => {
  await closeDatabase(db);
  await admin.end({ timeout: 5 });
});

/** The backend of the pool's one connection once it is sleeping inside the long reply. */
async function sleepingBackend(): Promise<number | undefined> {
  const [row] = await admin<{ pid: number }[]>`
    select pid from pg_stat_activity
    where application_name = ${APPLICATION_NAME} and wait_event = 'PgSleep'`;
  return row?.pid;
}

describe('postgres.js after a connection closes part-way through a reply', () => {
  it('answers the next query on that connection slot with exactly its own rows', { timeout: 90_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      // Rows of 20 kB leave the server one by one (each overflows its 8-kB send buffer); the third
      // sleeps, so rows 1 and 2 have reached the driver when the backend is terminated.
      const cutOff = db
        .execute(
          sql`select g, repeat('x', 20000) as pad, case when g = 3 then pg_sleep(30) end as slept
              from generate_series(1, 4) g`,
        )
        .then(
          () => 'answered',
          (error: { cause?: { code?: string }; code?: string }) => error.cause?.code ?? error.code ?? 'unknown',
        );
      let pid: number | undefined;
      await waitFor(async () => (pid = await sleepingBackend()) !== undefined, {
        timeoutMs: 20_000,
        what: 'the long reply to reach its sleeping row',
      });
      await admin`select pg_terminate_backend(${pid!})`;
      expect(await cutOff, 'the cut-off query rejects with a connection error').toMatch(
        /^(57P01|CONNECTION_CLOSED|ECONNRESET)$/,
      );

      // Unguarded, the first query after the cut was rejected with the cut-off query's 57P01.
      for (const n of [round * 10 + 1, round * 10 + 2]) {
        const answer = await db.execute<{ n: number }>(sql`select ${n}::int as n`);
        expect(answer.length, `round ${round}: rows in the reply to "select ${n}"`).toBe(1);
        expect(answer[0], `round ${round}: the first row of the reply to "select ${n}"`).toEqual({ n });
      }
    }
  });
});
