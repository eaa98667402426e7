// The soak's memory samples of the API and the worker (RSS from /proc, V8 heap from /metrics) and
// what the results file says about them: readings at points of the run and least-squares slopes.
import { loadavg } from 'node:os';
import { readMemory, slopePerMinute, type MemoryReading, type SeriesPoint } from '../runner/memory.js';
import { PROCESSES, scrapeHeap, type HeapReading, type ProcessName } from './heap.js';
import { roundTo, type IngestClock } from './ingest-clock.js';
import type { SoakSettings } from './settings.js';

/** One memory sample of both processes, `t` minutes since ingest started (the drain follows `minutes`). */
export interface MemorySample {
  t: number;
  load1: number;
  api?: MemoryReading & Partial<HeapReading>;
  worker?: MemoryReading & Partial<HeapReading>;
}

export interface MemorySampler {
  samples: MemorySample[];
  /** Takes a sample now (its /metrics part arrives when both processes have answered). */
  sampleNow(): Promise<void>;
  /** Samples now and every `intervalMs` until `stop()`. */
  start(intervalMs: number): void;
  stop(): void;
}

/** Samples the processes' memory: RSS straight from /proc, the V8 heap from each process's `[url, metric prefix]`. */
export function memorySampler(
  pids: Record<ProcessName, number | undefined>,
  metrics: Record<ProcessName, [string, string]>,
  clock: IngestClock,
): MemorySampler {
  const samples: MemorySample[] = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  const sampleNow = async () => {
    const sample: MemorySample = { t: clock.minutes(4), load1: loadavg()[0]! };
    for (const name of PROCESSES) sample[name] = readMemory(pids[name]);
    samples.push(sample);
    const heaps = await Promise.all(PROCESSES.map((name) => scrapeHeap(...metrics[name])));
    PROCESSES.forEach((name, i) => {
      if (sample[name] && heaps[i]) Object.assign(sample[name], heaps[i]);
    });
  };
  return {
    samples,
    sampleNow,
    start(intervalMs) {
      void sampleNow();
      timer = setInterval(() => void sampleNow(), intervalMs);
    },
    stop: () => clearInterval(timer),
  };
}

/** The windows of the slopes, in minutes of ingest: after the warm-up, and each half of that (is it levelling off?). */
export function slopeWindows({ warmupMinutes, minutes }: SoakSettings) {
  const half = (warmupMinutes + minutes) / 2;
  return {
    afterWarmup: [warmupMinutes, minutes],
    firstHalf: [warmupMinutes, half],
    secondHalf: [half, minutes],
  } as const;
}

const FIELDS = ['rssMb', 'anonMb', 'heapUsedMb', 'externalMb'] as const;

type Slopes = Record<
  'rss' | 'anon' | 'heapUsed' | 'external',
  Record<keyof ReturnType<typeof slopeWindows>, number | undefined>
>;

/** One process's memory over the run: readings at the ingest's start, warm-up end, ingest end and after the drain; peak; slopes. */
export function memoryOf(samples: MemorySample[], name: ProcessName, settings: SoakSettings) {
  const windows = slopeWindows(settings);
  const series = (field: (typeof FIELDS)[number]): SeriesPoint[] =>
    samples.flatMap((s) => {
      const y = s[name]?.[field];
      return y === undefined || !Number.isFinite(y) ? [] : [{ t: s.t, y }];
    });
  const at = (t: number) => {
    const sample = samples.find((s) => s.t >= t && s[name]) ?? samples.filter((s) => s[name]).at(-1);
    return sample?.[name];
  };
  const slopes = Object.fromEntries(
    FIELDS.map((field) => [
      field.replace(/Mb$/, ''),
      Object.fromEntries(
        Object.entries(windows).map(([w, [from, to]]) => [w, roundTo(slopePerMinute(series(field), from, to)?.slope)]),
      ),
    ]),
  ) as Slopes;
  return {
    atIngestStart: at(0),
    atWarmupEnd: at(settings.warmupMinutes),
    atIngestEnd: samples.filter((s) => s.t <= settings.minutes && s[name]).at(-1)?.[name],
    afterDrain: samples.at(-1)?.[name],
    peakRssMb: Math.max(...samples.map((s) => s[name]?.rssMb ?? 0)),
    slopesMbPerMin: slopes,
  };
}
