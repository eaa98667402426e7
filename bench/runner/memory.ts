// Memory of a process from /proc (resident set, its anonymous part), sampled or read once, and its slope over time.
import { readFileSync } from 'node:fs';

/** Samples a process's resident set size (VmRSS) every `intervalMs`; `stop()` returns the peak in MB. */
export function sampleRss(pid: number, intervalMs = 250) {
  let peakKb = 0;
  const read = () => {
    try {
      const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // the process has exited
    }
  };
  read();
  const timer = setInterval(read, intervalMs);
  return {
    current: () => {
      read();
      return Math.round(peakKb / 1024);
    },
    stop: () => {
      clearInterval(timer);
      read();
      return Math.round(peakKb / 1024);
    },
  };
}

/** One reading of a process's memory from /proc/<pid>/status, in MB (one decimal), or undefined once it has exited. */
export interface MemoryReading {
  /** VmRSS: resident set size. */
  rssMb: number;
  /** RssAnon: the anonymous part of it (heaps, native allocations), as opposed to mapped files. */
  anonMb: number;
}

/** Reads VmRSS and RssAnon of `pid` now. */
export function readMemory(pid: number | undefined): MemoryReading | undefined {
  if (!pid) return undefined;
  try {
    const kb = statusFields(pid);
    const mb = (value: number) => Math.round(value / 102.4) / 10;
    const rss = kb('VmRSS');
    return Number.isNaN(rss) ? undefined : { rssMb: mb(rss), anonMb: mb(kb('RssAnon')) };
  } catch {
    return undefined;
  }
}

/** A reader of /proc/<pid>/status's `kB` fields, as read now (throws once the process has exited). */
function statusFields(pid: number): (field: string) => number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return (field) => Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? NaN);
}

/** A point of a time series: `t` in minutes since some origin, `y` the value. */
export interface SeriesPoint {
  t: number;
  y: number;
}

/**
 * The least-squares slope of `y` per minute over the points with `from ≤ t ≤ to` (minutes), with how many
 * points it used; undefined with fewer than 3 points.
 */
export function slopePerMinute(
  points: SeriesPoint[],
  from = -Infinity,
  to = Infinity,
): { slope: number; points: number } | undefined {
  const window = points.filter((p) => p.t >= from && p.t <= to && Number.isFinite(p.y));
  if (window.length < 3) return undefined;
  const meanT = window.reduce((s, p) => s + p.t, 0) / window.length;
  const meanY = window.reduce((s, p) => s + p.y, 0) / window.length;
  let num = 0;
  let den = 0;
  for (const p of window) {
    num += (p.t - meanT) * (p.y - meanY);
    den += (p.t - meanT) ** 2;
  }
  return den === 0 ? undefined : { slope: num / den, points: window.length };
}

/** Where a process's resident memory is at one moment, MB: mapped files, and the anonymous part split by what Node reports. */
export interface MemoryBreakdown {
  rssMb: number;
  /** Mapped files: the Node binary, native addons (Temporal's core bridge), shared libraries. */
  fileMb: number;
  anonMb: number;
  /** The main thread's V8 heap (committed / in use) and memory outside it that V8 tracks (buffers). */
  mainHeapTotalMb: number;
  mainHeapUsedMb: number;
  mainNewSpaceMb: number;
  externalMb: number;
  /** Anonymous memory outside the main heap and its external memory: the workflow thread's V8 heap, native allocations (Temporal's core, malloc arenas), thread stacks. */
  restAnonMb: number;
}

const mbOf = (bytes: number) => Math.round(bytes / 104_857.6) / 10;

/** One Prometheus sample value (`name` or `name{labels}`) from a text exposition. */
function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1).split(' ')[0]) : NaN;
}

/**
 * Samples a Hookflow worker every `intervalMs`: /proc for its resident set and the worker's own
 * Prometheus endpoint for its main V8 heap; `stop()` returns the breakdown at the highest RSS seen.
 */
export function sampleWorkerMemory(pid: number, metricsUrl: string, intervalMs = 2_000) {
  let peak: MemoryBreakdown | undefined;
  let stopped = false;
  const read = async () => {
    try {
      const kb = statusFields(pid);
      const rssMb = Math.round(kb('VmRSS') / 102.4) / 10;
      if (peak && rssMb <= peak.rssMb) return;
      const text = await (await fetch(metricsUrl)).text();
      const p = 'hookflow_worker_nodejs_';
      const anonMb = Math.round(kb('RssAnon') / 102.4) / 10;
      const mainHeapTotalMb = mbOf(metric(text, `${p}heap_size_total_bytes`));
      const externalMb = mbOf(metric(text, `${p}external_memory_bytes`));
      peak = {
        rssMb,
        fileMb: Math.round((kb('RssFile') + kb('RssShmem')) / 102.4) / 10,
        anonMb,
        mainHeapTotalMb,
        mainHeapUsedMb: mbOf(metric(text, `${p}heap_size_used_bytes`)),
        mainNewSpaceMb: mbOf(metric(text, `${p}heap_space_size_total_bytes{space="new"}`)),
        externalMb,
        restAnonMb: Math.round((anonMb - mainHeapTotalMb - externalMb) * 10) / 10,
      };
    } catch {
      // the process has exited, or its endpoint did not answer this time
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await read();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop(): Promise<MemoryBreakdown | undefined> {
      stopped = true;
      await loop;
      return peak;
    },
  };
}
