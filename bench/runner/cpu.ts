// CPU accounting from /proc: per process, per command name (PostgreSQL's backends), this bench process
// and the whole machine. A phase takes a reading before and after what it measures; `cpuUsed` is the difference.
import { readdirSync, readFileSync } from 'node:fs';

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
 * CPU seconds the processes of a `cpuSecondsByPid` snapshot used since `before`: processes started
 * since count in full, those that exited meanwhile are missed (a lower bound, never negative).
 */
function cpuSecondsSince(before: Map<number, number>, now: Map<number, number>): number {
  let total = 0;
  for (const [pid, seconds] of now) total += Math.max(0, seconds - (before.get(pid) ?? 0));
  return total;
}

const sum = (byPid: Map<number, number>) => [...byPid.values()].reduce((a, b) => a + b, 0);

/** Machine-wide CPU seconds so far from /proc/stat: busy (everything but idle and iowait) and iowait. */
export function machineCpuSeconds(): { busy: number; iowait: number } {
  try {
    // user nice system idle iowait irq softirq steal, in USER_HZ (1/100 s) ticks.
    const [user = 0, nice = 0, system = 0, , iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync(
      '/proc/stat',
      'utf8',
    )
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    return { busy: (user + nice + system + irq + softirq + steal) / 100, iowait: iowait / 100 };
  } catch {
    return { busy: 0, iowait: 0 };
  }
}

/** CPU seconds so far of the named processes and this one; PostgreSQL's and the machine's when asked. */
export interface CpuReading<K extends string> {
  /** `performance.now()` when it was taken. */
  at: number;
  processes: Record<K, number>;
  bench: NodeJS.CpuUsage;
  postgres: Map<number, number>;
  machine: { busy: number; iowait: number };
}

/** Reads the processes in `pids` first (so their window is the tightest), then the rest. */
export function readCpu<K extends string>(
  pids: Record<K, number | undefined>,
  include: { postgres?: boolean; machine?: boolean } = {},
): CpuReading<K> {
  const entries = Object.entries(pids) as [K, number | undefined][];
  const processes = Object.fromEntries(entries.map(([name, pid]) => [name, cpuSeconds(pid)])) as Record<K, number>;
  return {
    processes,
    bench: process.cpuUsage(),
    postgres: include.postgres ? cpuSecondsByPid('postgres') : new Map(),
    machine: include.machine ? machineCpuSeconds() : { busy: 0, iowait: 0 },
    at: performance.now(),
  };
}

/** CPU seconds used between two readings. */
export interface CpuUsed<K extends string> {
  /** Wall-clock seconds between the readings (at least 1 ms). */
  seconds: number;
  processes: Record<K, number>;
  /** This process: the load generator and the subscribers it serves. */
  bench: number;
  /** PostgreSQL's processes by pid (see cpuSecondsSince: a lower bound). */
  postgres: number;
  /** Every PostgreSQL process's total at the end minus at the start (how the e2e phase has always counted it). */
  postgresNet: number;
  machineBusy: number;
  iowait: number;
}

export function cpuUsed<K extends string>(from: CpuReading<K>, to: CpuReading<K>): CpuUsed<K> {
  const names = Object.keys(from.processes) as K[];
  return {
    seconds: Math.max(0.001, (to.at - from.at) / 1000),
    processes: Object.fromEntries(names.map((name) => [name, to.processes[name] - from.processes[name]])) as Record<
      K,
      number
    >,
    bench: (to.bench.user + to.bench.system - from.bench.user - from.bench.system) / 1e6,
    postgres: cpuSecondsSince(from.postgres, to.postgres),
    postgresNet: sum(to.postgres) - sum(from.postgres),
    machineBusy: to.machine.busy - from.machine.busy,
    iowait: to.machine.iowait - from.machine.iowait,
  };
}

/** `used` CPU seconds over `seconds` of wall time, in percent of one core. */
export const percentOfOneCore = (used: number, seconds: number) => Math.round((used / seconds) * 100);
