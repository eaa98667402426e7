import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { TestStack } from './stack.js';

const bin = fileURLToPath(new URL('../../bin/hookflow.js', import.meta.url));

/**
 * Runs the real `hookflow` CLI as a child process against a test stack: `workers/cli.ts` compiled for
 * the run (test/helpers/entry-bundles.ts), or with `viaBin` the `bin/hookflow.js` a user runs, which
 * loads it through tsx.
 */
export function runCli(
  stack: Pick<TestStack, 'url' | 'managementKey'>,
  args: string[],
  { viaBin = false } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [viaBin ? bin : inject('entryBundles').cli, ...args],
      { env: { ...process.env, HOOKFLOW_URL: stack.url, MANAGEMENT_API_KEY: stack.managementKey } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
