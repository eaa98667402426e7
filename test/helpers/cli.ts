import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestStack } from './stack.js';

const bin = fileURLToPath(new URL('../../bin/hookflow.js', import.meta.url));

/** Runs the real `hookflow` CLI as a child process against a test stack. */
export function runCli(
  stack: Pick<TestStack, 'url' | 'managementKey'>,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { env: { ...process.env, HOOKFLOW_URL: stack.url, MANAGEMENT_API_KEY: stack.managementKey } },
      (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      },
    );
  });
}
