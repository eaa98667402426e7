// The V8 heaps of the soak's processes: read from their Prometheus endpoints with every memory sample,
// and with `--heap-snapshots` written to files at chosen minutes of ingest, first and last compared.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync } from 'node:fs';
import { diffHeapSnapshots } from '../heap-diff.js';
import type { IngestClock } from './ingest-clock.js';

export type ProcessName = 'api' | 'worker';
export const PROCESSES: ProcessName[] = ['api', 'worker'];

/** What a process's Prometheus endpoint says about its main thread's V8 heap (MB) and its handles. */
export interface HeapReading {
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  activeHandles: number;
}

export async function scrapeHeap(url: string, prefix: string): Promise<HeapReading | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(4_000) });
    if (!response.ok) return undefined;
    const text = await response.text();
    const value = (name: string) =>
      Number(new RegExp(`^${prefix}${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]);
    const mb = (bytes: number) => Math.round(bytes / 104_857.6) / 10;
    return {
      heapUsedMb: mb(value('nodejs_heap_size_used_bytes')),
      heapTotalMb: mb(value('nodejs_heap_size_total_bytes')),
      externalMb: mb(value('nodejs_external_memory_bytes')),
      activeHandles: value('nodejs_active_handles_total'),
    };
  } catch {
    return undefined;
  }
}

// Not SIGUSR2 (the usual choice): the Temporal worker runtime's default shutdown signals include it, and
// the worker stops polling and exits 0. SIGWINCH is ignored by default and used by nothing in either process.
const HEAP_SNAPSHOT_SIGNAL = 'SIGWINCH';
const HEAP_SNAPSHOT_FLAG = `--heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL}`;

/** Creates `dir` and returns the NODE_OPTIONS that make a process write a heap snapshot there on the signal. */
export function heapSnapshotNodeOptions(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return [process.env.NODE_OPTIONS, HEAP_SNAPSHOT_FLAG, `--diagnostic-dir=${dir}`].filter(Boolean).join(' ');
}

export interface HeapSnapshotSchedule {
  /** When each snapshot was signalled: its minute, and the minute of ingest it went out at. */
  taken: { minute: number; t: number }[];
  /** Signals the processes if the next snapshot minute has come (called on every scheduled send). */
  signalWhenDue(): void;
}

export function heapSnapshotSchedule(
  minutes: number[],
  processes: ChildProcess[],
  clock: IngestClock,
  say: (line: string) => void,
): HeapSnapshotSchedule {
  let next = 0;
  const taken: { minute: number; t: number }[] = [];
  return {
    taken,
    signalWhenDue() {
      const minute = minutes[next];
      if (minute === undefined || Date.now() < clock.startedAt + minute * 60_000) return;
      next++;
      for (const child of processes) child.kill(HEAP_SNAPSHOT_SIGNAL);
      taken.push({ minute, t: clock.minutes(3) });
      say(`heap snapshot signalled at minute ${minute}`);
    },
  };
}

type HeapDiff = ReturnType<typeof diffHeapSnapshots> & { files: string[] };

/** The results file's `heapSnapshots`: what was signalled and written, and each process's first and last compared. */
export function heapSnapshotReport(
  dir: string,
  taken: HeapSnapshotSchedule['taken'],
  pids: Record<ProcessName, number | undefined>,
  say: (line: string) => void,
) {
  const diffs: Partial<Record<ProcessName, HeapDiff>> = {};
  // Each process's snapshots of its main thread are Heap.<date>.<time>.<pid>.0.<seq>.heapsnapshot.
  for (const name of PROCESSES) {
    const files = readdirSync(dir)
      .filter((f) => f.includes(`.${pids[name]}.0.`) && f.endsWith('.heapsnapshot'))
      .sort();
    if (files.length < 2) continue;
    say(`comparing the ${name}'s heap snapshots ${files[0]} and ${files.at(-1)}…`);
    const pair = [files[0]!, files.at(-1)!];
    diffs[name] = { files: pair, ...diffHeapSnapshots(`${dir}/${pair[0]}`, `${dir}/${pair[1]}`, 15) };
  }
  return { dir, signalled: taken, files: readdirSync(dir).sort(), diffs };
}
