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
