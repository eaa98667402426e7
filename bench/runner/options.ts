// The command line of `npm run bench` (README "Performance" lists the flags).

/** Which phases run: all of them, or one alone (`--only ordered|spillover|controls`, with what it needs). */
export const benchModes = ['full', 'ordered', 'spillover', 'controls'] as const;
export type BenchMode = (typeof benchModes)[number];

export interface BenchOptions {
  /** `--quick`: smaller sizes for a run of a few minutes. */
  quick: boolean;
  mode: BenchMode;
  sizes: {
    /** Ingress requests (direct and spillover phases): `--requests`. */
    ingress: number;
    /** End-to-end events: `--events`. */
    e2e: number;
    concurrency: number;
    openLoopSeconds: number;
    orderedEvents: number;
    orderedConcurrency: number;
  };
  /** `--spillover-logs DIR` keeps the spillover phase's worker and API logs there. */
  spilloverLogDir: string | undefined;
  /** `--profile-api DIR` writes a V8 CPU profile of the spillover phase's API there. */
  profileApiDir: string | undefined;
  /** `--profile-worker DIR` writes a V8 CPU profile of Hookflow's worker there (to see what bounds e2e). */
  profileWorkerDir: string | undefined;
  /** `--heap-snapshots-worker DIR`: V8 heap snapshots of the worker there, before e2e and halfway through its deliveries. */
  heapSnapshotWorkerDir: string | undefined;
  /** `--temporal cluster`: the Temporal server on PostgreSQL (the production topology) instead of the dev server. */
  temporal: 'dev' | 'cluster';
}

/** The word after `--<name>`, when the flag is given. */
function flagValue(argv: string[], name: string): string | undefined {
  return argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined;
}

function numberFlag(argv: string[], name: string): number | undefined {
  const value = flagValue(argv, name);
  return value === undefined ? undefined : Number(value);
}

function temporalFlag(value: string | undefined): 'dev' | 'cluster' {
  if (value === undefined || value === 'dev' || value === 'cluster') return value ?? 'dev';
  process.stderr.write(`--temporal takes "dev" or "cluster" (got ${value})\n`);
  process.exit(2);
}

/** Reads the flags; an unknown `--only` value ends the process with exit code 2. */
export function parseBenchOptions(argv: string[]): BenchOptions {
  const quick = argv.includes('--quick');
  const only = flagValue(argv, 'only');
  if (only !== undefined && (only === 'full' || !(benchModes as readonly string[]).includes(only))) {
    process.stderr.write(`--only takes "ordered", "spillover" or "controls" (got ${only})\n`);
    process.exit(2);
  }
  return {
    quick,
    mode: (only as BenchMode | undefined) ?? 'full',
    sizes: {
      ingress: numberFlag(argv, 'requests') ?? (quick ? 1_000 : 5_000),
      e2e: numberFlag(argv, 'events') ?? (quick ? 1_000 : 10_000),
      concurrency: numberFlag(argv, 'concurrency') ?? 100,
      openLoopSeconds: numberFlag(argv, 'open-loop-seconds') ?? (quick ? 10 : 30),
      orderedEvents: numberFlag(argv, 'ordered-events') ?? (quick ? 200 : 1_000),
      orderedConcurrency: numberFlag(argv, 'ordered-concurrency') ?? 20,
    },
    spilloverLogDir: flagValue(argv, 'spillover-logs'),
    profileApiDir: flagValue(argv, 'profile-api'),
    profileWorkerDir: flagValue(argv, 'profile-worker'),
    heapSnapshotWorkerDir: flagValue(argv, 'heap-snapshots-worker'),
    temporal: temporalFlag(flagValue(argv, 'temporal')),
  };
}
