import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../src/dev/embedded-postgres.js';
import type { QueryLoadReport } from '../helpers/postgres-query-load.js';
import { loadSize } from '../helpers/load.js';
import { waitFor } from '../helpers/wait.js';

// Regression test for the postgres.js crash that scripts/patch-postgres-js.mjs patches
// (porsager/postgres#1154, #1208): a write flushed after its connection closed threw
// `TypeError: Cannot read properties of null (reading 'write')` from a setImmediate, which no
// caller can catch. The queries run in a child process so that such a throw kills it.

// Disruptions until both hold: at least this many, for at least this long. `npm test` runs 12 (four
// of each kind; without the patch the process dies at the first crash), `npm run test:load` 30 s of them.
const MIN_DISRUPTIONS = loadSize(12, 10);
const DISRUPT_FOR_MS = loadSize(0, 30_000);
const LOOPS = 50;
const POOL_SIZE = 20;
const APPLICATION_NAME = 'hookflow-query-load';
// What an outage may reject a query with: postgres.js' own connection errors, socket errors, and
// PostgreSQL's SQLSTATE classes 57P (shutting down, crash, starting up) and 08 (connection exception).
const OUTAGE_ERROR =
  /^(CONNECTION_CLOSED|CONNECTION_DESTROYED|CONNECT_TIMEOUT|ECONNREFUSED|ECONNRESET|EPIPE|57P0[1-3]|08[0-9A-Z]{3})$/;
const loadEntry = fileURLToPath(new URL('../helpers/postgres-query-load.ts', import.meta.url));

let dir: string;
let pg: EmbeddedDatabase | undefined;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The query-load child: its latest report, its output, and how it exited. */
function startQueryLoad(url: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', loadEntry, url, String(LOOPS), String(POOL_SIZE)], {
    env: { ...process.env, PGAPPNAME: APPLICATION_NAME },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const load = {
    child,
    report: undefined as QueryLoadReport | undefined,
    reports: 0,
    stderr: '',
    exit: undefined as { code: number | null; signal: NodeJS.Signals | null } | undefined,
  };
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      load.report = JSON.parse(line) as QueryLoadReport;
      load.reports++;
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (load.stderr = (load.stderr + chunk.toString('utf8')).slice(-8_000)));
  child.on('exit', (code, signal) => (load.exit = { code, signal }));
  return load;
}

/** Runs `run` on a connection of its own, which does not outlive the call. */
async function asAdmin<T>(run: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const admin = postgres(pg!.url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
  try {
    return await run(admin);
  } finally {
    await admin.end({ timeout: 1 });
  }
}

const accepting = () =>
  asAdmin((sql) => sql`select 1`).then(
    () => true,
    () => false,
  );

const loadBackends = () =>
  asAdmin(
    (sql) => sql<{ pid: number }[]>`select pid from pg_stat_activity where application_name = ${APPLICATION_NAME}`,
  );

/** The ways PostgreSQL goes away under the load; each says whether it found something to disrupt. */
const disruptions = {
  /**
   * SIGKILL one backend serving the load: the postmaster treats it as a crash, ends every other
   * session at once and reinitialises (as after an OOM kill).
   */
  async crash() {
    const [backend] = await loadBackends();
    if (!backend) return false;
    process.kill(backend.pid, 'SIGKILL');
    // The crash restart refuses connections while it runs: it has begun once a new session is refused.
    await waitFor(async () => !(await accepting()), {
      timeoutMs: 5_000,
      intervalMs: 10,
      what: 'PostgreSQL to begin its crash restart',
    });
    return true;
  },
  /** Terminate every session serving the load (an operator, a pooler, a failover proxy). */
  async terminate() {
    const ended = await asAdmin(
      (sql) => sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${APPLICATION_NAME}`,
    );
    return ended.length > 0;
  },
  /** Fast shutdown (sessions terminated) and start again on the same directory and port. */
  async restart() {
    const before = pg!;
    await before.stop();
    pg = await startEmbeddedPostgres(join(dir, 'pg'), 'hookflow');
    expect(pg.port, 'PostgreSQL came back on another port (the old one was taken)').toBe(before.port);
    return true;
  },
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hookflow-pg-driver-crash-'));
  // Run as root, embedded-postgres runs initdb as a `postgres` user, which must reach the data directory.
  chmodSync(dir, 0o755);
  pg = await startEmbeddedPostgres(join(dir, 'pg'), 'hookflow');
});
afterAll(async () => {
  // PostgreSQL 18 ignores a fast shutdown requested during crash recovery (the stop never returns).
  if (pg) await waitFor(accepting, { timeoutMs: 15_000, what: 'PostgreSQL to accept connections before its stop' });
  await pg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('postgres.js while PostgreSQL is killed and restarted under load', () => {
  it(
    `keeps a process with ${LOOPS} query loops on a pool of ${POOL_SIZE} alive through ${DISRUPT_FOR_MS ? `${DISRUPT_FOR_MS / 1000} s` : `${MIN_DISRUPTIONS} rounds`} of crashes, terminations and restarts: every query succeeds or rejects catchably`,
    { timeout: 280_000 },
    async () => {
      const startedAt = Date.now();
      const load = startQueryLoad(pg!.url);
      try {
        await waitFor(async () => load.exit || (load.report?.succeeded ?? 0) >= 200, {
          timeoutMs: 20_000,
          what: 'the query load to get going',
        });
        const styles = ['crash', 'terminate', 'restart'] as const;
        const done = { crash: 0, terminate: 0, restart: 0 };
        const disruptingAt = Date.now();
        const deadline = disruptingAt + DISRUPT_FOR_MS;
        const disrupted = () => done.crash + done.terminate + done.restart;
        for (let cycle = 0; (Date.now() < deadline || disrupted() < MIN_DISRUPTIONS) && !load.exit; cycle++) {
          const style = styles[cycle % styles.length]!;
          if (await disruptions[style]()) done[style]++;
          await waitFor(accepting, {
            timeoutMs: 15_000,
            intervalMs: 20,
            what: `PostgreSQL to accept connections again after a ${style}`,
          });
          // The load's pool reconnected: queries succeed between disruptions. Counted from the first
          // report printed after PostgreSQL was back, as a report can be up to 200 ms old.
          const reports = load.reports;
          await waitFor(async () => load.exit || load.reports > reports, { intervalMs: 10, what: 'a load report' });
          const succeeded = load.report!.succeeded;
          await waitFor(async () => load.exit || load.report!.succeeded > succeeded + 50, {
            timeoutMs: 15_000,
            intervalMs: 20,
            what: `queries to succeed again after a ${style}`,
          });
          // Pacing only: vary where in the queries' lives the next disruption lands.
          await sleep(100 + Math.random() * 300);
        }
        const stoppingAt = Date.now();
        if (!load.exit) load.child.stdin.end();
        // Its loops settle (at most 30 s: reconnect backoff), then one more query (at most 30 s) and end().
        await waitFor(async () => load.exit, { timeoutMs: 170_000, what: 'the query load to finish' }).catch(
          (error: Error) => {
            throw new Error(
              `${error.message}; last report ${JSON.stringify(load.report)}\n${load.stderr.slice(-3_000)}`,
            );
          },
        );
        const report = load.report!;
        console.log(
          `[postgres-driver-crash] disruptions ${JSON.stringify(done)}; queries succeeded ${report.succeeded}, ` +
            `rejected ${report.rejected} ${JSON.stringify(report.rejectedBy)}; transactions committed ` +
            `${report.transactionsCommitted}, rejected ${report.transactionsRejected}; slowest ${report.slowestMs} ms; ` +
            `sockets open after end() ${report.socketsOpenAfterEnd}; exit ${JSON.stringify(load.exit)}; ` +
            `ms: start ${disruptingAt - startedAt}, disruptions ${stoppingAt - disruptingAt}, finish ${Date.now() - stoppingAt}`,
        );
        expect(
          load.exit,
          `the query process died (an uncatchable error from postgres.js?) or exited 2 (queries that never ` +
            `settled, see the report): ${JSON.stringify(report)}\n${load.stderr.slice(-3_000)}`,
        ).toEqual({ code: 0, signal: null });
        expect(load.stderr).not.toMatch(/TypeError|Unhandled|uncaught/i);
        expect(report.event).toBe('query_load_finished');
        expect(report.unsettled).toBeUndefined();
        expect(report.recovered).toBe(true);
        expect(report.wrongAnswers).toBe(0);
        expect(
          Object.keys(report.rejectedBy).filter((code) => !OUTAGE_ERROR.test(code)),
          `queries rejected with errors an outage does not explain: ${JSON.stringify(report.rejectedSamples, null, 2)}`,
        ).toEqual([]);
        expect(disrupted()).toBeGreaterThanOrEqual(MIN_DISRUPTIONS);
        expect(report.succeeded).toBeGreaterThan(0);
        expect(report.rejected).toBeGreaterThan(0);
        expect(report.transactionsCommitted).toBeGreaterThan(0);
        expect(report.transactionsRejected).toBeGreaterThan(0);
      } finally {
        if (!load.exit) load.child.kill('SIGKILL');
      }
    },
  );
});
