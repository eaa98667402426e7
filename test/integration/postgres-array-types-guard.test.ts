import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, inject, it } from 'vitest';

// Regression test for the second postgres.js crash scripts/patch-postgres-js.mjs patches
// (porsager/postgres#1192, #1205): every new connection first runs a catalog query for array types
// whose promise postgres.js drops, so when that query fails the rejection is unhandled and Node
// exits. A statement timeout of 1 ms (a connection parameter, as a URL query) cancels it on most new
// connections. Runs in a child process, through the app's pool, so such a rejection kills it.
const clientUrl = new URL('../../src/db/client.ts', import.meta.url).href;

describe('postgres.js when the array-types query of a new connection fails', () => {
  it('rejects the caller catchably and keeps the process alive', { timeout: 60_000 }, () => {
    const url = new URL(inject('databaseUrl'));
    url.searchParams.set('statement_timeout', '1');
    const script = `
      const { sql } = await import('drizzle-orm');
      const { openDatabase, closeDatabase } = await import(${JSON.stringify(clientUrl)});
      const outcomes = { succeeded: 0, rejected: {} };
      for (let i = 0; i < 20; i++) {
        const db = openDatabase(${JSON.stringify(url.toString())}, 1);
        try {
          await db.execute(sql\`select 1\`);
          outcomes.succeeded++;
        } catch (error) {
          const code = error.cause?.code ?? error.code ?? String(error);
          outcomes.rejected[code] = (outcomes.rejected[code] ?? 0) + 1;
        }
        await closeDatabase(db);
      }
      console.log(JSON.stringify(outcomes));
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 50_000,
    });
    expect(run.stderr).not.toMatch(/canceling statement due to statement timeout|Unhandled|uncaught/i);
    expect({ status: run.status, signal: run.signal }, run.stderr).toEqual({ status: 0, signal: null });
    const outcomes = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      succeeded: number;
      rejected: Record<string, number>;
    };
    // Only the statement timeout (57014) may reject the caller's own query.
    expect(Object.keys(outcomes.rejected).filter((code) => code !== '57014')).toEqual([]);
    expect(outcomes.succeeded + (outcomes.rejected['57014'] ?? 0)).toBe(20);
  });
});
