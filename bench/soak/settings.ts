// The command line of `npm run soak` (see bench/soak.ts for what each flag does).
import { parseArgs } from 'node:util';

export interface SoakSettings {
  /** Minutes of ingest. */
  minutes: number;
  /** Events per second. */
  rate: number;
  subscriberCount: number;
  /** The share of all subscriber requests that fail at random. */
  failureRate: number;
  /** How long the drain may wait for the last deliveries. */
  drainMs: number;
  /** Minutes of ingest the memory slopes leave out (never more than `minutes`). */
  warmupMinutes: number;
  /** How often memory is sampled. */
  sampleMs: number;
  /** Minutes of ingest at which both processes write a heap snapshot, in order. */
  heapSnapshotMinutes: number[];
  /** The results file, relative to the repository root (or absolute). */
  out: string;
}

export function parseSoakSettings(): SoakSettings {
  const { values: args } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '10' },
      subscribers: { type: 'string', default: '3' },
      'failure-rate': { type: 'string', default: '0.2' },
      'drain-minutes': { type: 'string', default: '3' },
      'warmup-minutes': { type: 'string', default: '2' },
      'sample-seconds': { type: 'string', default: '5' },
      'heap-snapshots': { type: 'string', default: '' },
      out: { type: 'string', default: 'bench/results/soak-latest.json' },
    },
  });
  const minutes = Number(args.minutes);
  return {
    minutes,
    rate: Number(args.rate),
    subscriberCount: Number(args.subscribers),
    failureRate: Number(args['failure-rate']),
    drainMs: Number(args['drain-minutes']) * 60_000,
    warmupMinutes: Math.min(Number(args['warmup-minutes']), minutes),
    sampleMs: Number(args['sample-seconds']) * 1000,
    heapSnapshotMinutes: args['heap-snapshots']
      .split(',')
      .filter((m) => m.trim() !== '')
      .map(Number)
      .sort((a, b) => a - b),
    out: args.out,
  };
}
