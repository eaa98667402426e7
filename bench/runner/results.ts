// Where benchmark results go: JSON files under the repository (bench/results/ by default), each
// saying which machine it was measured on.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, resolve } from 'node:path';
import { repoRoot } from './repo-root.js';

/** The machine a result was measured on (every results file has these fields first under `machine`). */
export function machineDescription() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}

/** Writes `results` as indented JSON to `path` (relative to the repository root, or absolute), creating its folder. */
export function writeResultFile(path: string, results: object): void {
  const file = resolve(repoRoot, path);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
}
