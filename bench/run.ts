// `npm run bench [-- --quick] [--only ordered|spillover|controls]`: ingest (direct and spillover), end-to-end and
// ordered-delivery benchmarks on a stack of their own (loopback only). Each phase is a module of
// bench/phases/ (see bench/runner/phase.ts); a run is the list of phases below, run in order.
import { bareDeliveriesPhase, bareStartsPhase } from './phases/bare.js';
import { e2ePhase } from './phases/e2e.js';
import { e2eControlsPhase } from './phases/e2e-controls.js';
import { ingressPhase } from './phases/ingress.js';
import { orderedPhase } from './phases/ordered.js';
import { spilloverPhase } from './phases/spillover.js';
import { parseBenchOptions, type BenchMode, type BenchOptions } from './runner/options.js';
import { runBench, type BenchPlan } from './runner/run-bench.js';

function plans({ quick, sizes }: BenchOptions): Record<BenchMode, BenchPlan> {
  const run = quick ? 'quick run' : 'full run';
  return {
    full: {
      intro: `${run}: ingress ${sizes.ingress} requests (direct, then spillover), e2e ${sizes.e2e} events, concurrency ${sizes.concurrency}; ordered ${sizes.orderedEvents} events, concurrency ${sizes.orderedConcurrency}`,
      phases: [ingressPhase, spilloverPhase, bareDeliveriesPhase, e2ePhase, e2eControlsPhase, orderedPhase],
      resultFile: 'latest.json',
      // As the committed results have always listed them.
      resultOrder: ['ingress', 'e2e', 'e2eControls', 'spillover', 'ordered'],
    },
    // `--only ordered`: the ordered-delivery phase alone, on a worker and API of its own.
    ordered: {
      intro: `${run}, ordered phase only: ${sizes.orderedEvents} events, concurrency ${sizes.orderedConcurrency}`,
      phases: [orderedPhase],
      resultFile: 'ordered-latest.json',
    },
    // `--only controls`: e2e without and then with a filter and a transform (and the baselines e2e needs).
    controls: {
      intro: `${run}, delivery-controls phases only: e2e ${sizes.e2e} events without, then with, a filter and a transform`,
      phases: [bareDeliveriesPhase, e2ePhase, e2eControlsPhase],
      resultFile: 'controls-latest.json',
    },
    // `--only spillover`: the spillover phase and the bare-start baseline its ratio needs.
    spillover: {
      intro: `${run}, spillover phase only (+ bare-start baseline): ${sizes.ingress} requests, concurrency ${sizes.concurrency}`,
      phases: [bareStartsPhase, spilloverPhase],
      resultFile: 'spillover-latest.json',
    },
  };
}

const options = parseBenchOptions(process.argv);
runBench(plans(options)[options.mode], options).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
