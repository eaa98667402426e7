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
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? NaN);
    const mb = (value: number) => Math.round(value / 102.4) / 10;
    const rss = kb('VmRSS');
    return Number.isNaN(rss) ? undefined : { rssMb: mb(rss), anonMb: mb(kb('RssAnon')) };
  } catch {
    return undefined;
  }
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
