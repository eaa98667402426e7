import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowsPath } from '../../src/worker-setup/workflow-bundle.js';

/** Bundles the workflow code once for a whole run and writes it to `<dir>/<name>`; returns its path. */
export async function writeWorkflowBundle(dir: string, name: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} } as never,
  });
  const path = join(dir, name);
  writeFileSync(path, bundle.code);
  return path;
}
