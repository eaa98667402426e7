import { readdirSync, readFileSync } from 'node:fs';

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

/** CPU seconds used so far by every process whose command name is `command` (e.g. all PostgreSQL backends). */
export function cpuSecondsOfCommand(command: string): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === command) total += cpuSeconds(Number(entry));
    } catch {
      // the process has exited between listing and reading
    }
  }
  return total;
}

/** CPU seconds used so far by each live process whose command name is `command`, by pid. */
export function cpuSecondsByPid(command: string): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === command)
        byPid.set(Number(entry), cpuSeconds(Number(entry)));
    } catch {
      // the process has exited between listing and reading
    }
  }
  return byPid;
}

/**
 * CPU seconds the processes named `command` used since `before` (a `cpuSecondsByPid` snapshot):
 * processes started since count in full, those that exited meanwhile are missed (a lower bound, never negative).
 */
export function cpuSecondsOfCommandSince(command: string, before: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of cpuSecondsByPid(command)) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  return total;
}
