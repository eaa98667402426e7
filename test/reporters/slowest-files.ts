import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

const SHOWN = 10;
/** Every file's time, slowest first, for comparing runs (ignored by git with the rest of `.data/`). */
const ALL_FILES_REPORT = '.data/test/file-durations.json';

/**
 * Prints the slowest test files at the end of a run, by wall-clock time from the moment the file
 * started to the moment it ended (its hooks, tests and waits included): the suite's time budget
 * (≤ 7 minutes for `npm test` on 2 cores) is spent file by file, and this says where.
 */
export default class SlowestFilesReporter implements Reporter {
  private readonly startedAt = new Map<string, number>();
  private readonly tookMs = new Map<TestModule, number>();

  onTestModuleStart(testModule: TestModule): void {
    this.startedAt.set(testModule.moduleId, Date.now());
  }

  onTestModuleEnd(testModule: TestModule): void {
    const started = this.startedAt.get(testModule.moduleId);
    const diagnostic = testModule.diagnostic();
    // A file that never reported its start (collection failed) falls back to vitest's own sums.
    this.tookMs.set(testModule, started ? Date.now() - started : diagnostic.collectDuration + diagnostic.duration);
  }

  onTestRunEnd(): void {
    const all = [...this.tookMs].sort((a, b) => b[1] - a[1]);
    mkdirSync(dirname(ALL_FILES_REPORT), { recursive: true });
    writeFileSync(
      ALL_FILES_REPORT,
      JSON.stringify(
        all.map(([module, ms]) => ({ file: module.relativeModuleId, project: module.project.name, ms })),
        null,
        2,
      ),
    );
    const slowest = all.slice(0, SHOWN);
    if (slowest.length === 0) return;
    const lines = slowest.map(
      ([module, ms]) =>
        `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${module.relativeModuleId} (${module.project.name}, ${module.state()})`,
    );
    console.log(`\nSlowest ${slowest.length} test files (wall clock, start to end):\n${lines.join('\n')}\n`);
  }
}
