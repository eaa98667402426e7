// What a phase of `npm run bench` is: a named step that runs on the shared stack, may leave findings
// for the phases after it, and reports its entry of the results file and its `[bench]` summary lines.
import type { BaselineSuiteResult } from '../baselines/suite.js';
import type { BenchOptions } from './options.js';
import type { BenchStack } from './stack.js';

/** Bare `client.workflow.start` calls/s to a queue no worker polls, and the Temporal server's CPU meanwhile. */
export interface BareStarts {
  perSec: number;
  temporalServerCpuPct: number;
}

/** What one phase measured that a later one compares against (each set by the phase that measures it). */
export interface Findings {
  /** The ratios' baseline: bare starts at the ingress phases' count and concurrency. */
  bareStarts?: BareStarts;
  /** The direct ingress path's figures, for the spillover phase to compare with. */
  directIngress?: { acceptedPerSec: number; p95Ms: number; apiCpuMsPerRequest: number };
  /** Peak RSS (MB) of the ingress phase's API: e2e reports the larger of it and its own API's. */
  ingressApiPeakRssMb?: number;
  /** The bare Temporal delivery shapes of bench/baselines/, for e2e to compare with. */
  deliveryBaselines?: BaselineSuiteResult;
  /** Unordered end-to-end deliveries/s, for the ordered phase's `orderedRatio`. */
  unorderedDeliveriesPerSec?: number;
}

export interface PhaseContext {
  stack: BenchStack;
  options: BenchOptions;
  findings: Findings;
  /** Writes a `[bench]` progress line. */
  log: (line: string) => void;
}

export interface PhaseReport {
  /** The phase's entry in the results file (under the phase's name). */
  result: object;
  /** Its summary, printed once the results file is written. */
  lines: string[];
}

export interface Phase {
  /** Its key in the results file. */
  name: string;
  /** Runs the phase; a phase that only measures for others (a baseline) reports nothing. */
  run(ctx: PhaseContext): Promise<PhaseReport | undefined>;
}

/** The finding `key` an earlier phase of the run must have left, or an error naming the phase that needs it. */
export function required<K extends keyof Findings>(ctx: PhaseContext, key: K, phase: string): NonNullable<Findings[K]> {
  const value = ctx.findings[key];
  if (value === undefined) throw new Error(`the ${phase} phase needs ${key}: list the phase measuring it before it`);
  return value;
}
