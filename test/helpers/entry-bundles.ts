import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The process entries tests run as child processes, each compiled to one JavaScript file. */
export interface EntryBundles {
  api: string;
  worker: string;
  cli: string;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Compiles `workers/api.ts`, `workers/worker.ts` and `workers/cli.ts` once for a run (the same code,
 * as production runs it compiled): a child started through tsx spends ~1.2 s more CPU loading, and the
 * suite starts about a hundred of them. Packages stay imports, so the files live under the checkout's
 * `.data/` where `node_modules` resolves.
 */
export async function writeEntryBundles(name: string): Promise<EntryBundles> {
  const dir = join(repoRoot, '.data', 'test', name);
  mkdirSync(dir, { recursive: true });
  const entries = { api: 'workers/api.ts', worker: 'workers/worker.ts', cli: 'workers/cli.ts' };
  await build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([out, entry]) => [out, join(repoRoot, entry)])),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return { api: join(dir, 'api.mjs'), worker: join(dir, 'worker.mjs'), cli: join(dir, 'cli.mjs') };
}
