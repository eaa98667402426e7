// `npm run build`, after tsc: completes dist/ so it runs on plain node — the prebuilt workflow bundle
// (workers load it instead of running webpack at start) and the SQL migrations dist/src/db/migrate.js reads.
import { cpSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { migrationsFolder } from '../src/db/migrate.js';
import { exitWithStartupError } from '../src/process/shutdown.js';
import { prebuiltWorkflowBundlePath, workflowsPath } from '../src/worker-setup/workflow-bundle.js';

try {
  if (import.meta.url.endsWith('.ts'))
    throw new Error('run the compiled build step: `npm run build` (tsc first, then node dist/workers/build-bundle.js)');
  const started = Date.now();
  const quiet = { trace() {}, debug() {}, info() {}, log() {}, warn: console.warn, error: console.error };
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  writeFileSync(prebuiltWorkflowBundlePath, code);
  // dist/ mirrors the repository (dist/src/db/migrate.js beside dist/src/db/migrations/).
  cpSync(fileURLToPath(new URL('../../src/db/migrations', import.meta.url)), migrationsFolder, { recursive: true });
  const kib = Math.round(statSync(prebuiltWorkflowBundlePath).size / 1024);
  console.log(
    `Workflow bundle: ${prebuiltWorkflowBundlePath} (${kib} KiB, ${Date.now() - started} ms); migrations: ${migrationsFolder}`,
  );
} catch (error) {
  exitWithStartupError(error);
}
