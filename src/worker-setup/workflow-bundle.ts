import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkflowBundleOption } from '@temporalio/worker';

// Under tsx this module is TypeScript source; built, it is dist JavaScript. The bundler takes either.
const built = !import.meta.url.endsWith('.ts');

/** The workflow entry the bundler starts from (src/workflows/index.ts, or its dist/ build). */
export const workflowsPath = fileURLToPath(new URL(`../workflows/index.${built ? 'js' : 'ts'}`, import.meta.url));

/** Where `npm run build` writes the prebuilt bundle: dist/workflow-bundle.js, beside dist/src and dist/workers. */
export const prebuiltWorkflowBundlePath = fileURLToPath(new URL('../../workflow-bundle.js', import.meta.url));

/**
 * How the worker gets its workflow code: a bundle it is handed (tests), WORKFLOW_BUNDLE_PATH, the
 * prebuilt bundle when running from dist/ (no webpack at start, so a worker is polling in about a
 * second and does not carry webpack's memory), else a bundle built from source at start (tsx, the dev stack).
 */
export function workflowCode(
  bundle?: WorkflowBundleOption,
  bundlePath?: string,
): { workflowBundle: WorkflowBundleOption } | { workflowsPath: string } {
  if (bundle) return { workflowBundle: bundle };
  if (bundlePath) return { workflowBundle: { codePath: bundlePath } };
  if (built && existsSync(prebuiltWorkflowBundlePath))
    return { workflowBundle: { codePath: prebuiltWorkflowBundlePath } };
  return { workflowsPath };
}
