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

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
