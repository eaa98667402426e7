// Finds the processes of one `npm run cluster` through /proc, to inject faults into them.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  argv: string[];
  env: Map<string, string>;
}

function read(pid: number, file: string): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
}

/** Every process whose argv and environment `match` accepts. */
export function findProcesses(match: (info: ProcessInfo) => boolean): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const argv = read(pid, 'cmdline');
    const environ = read(pid, 'environ');
    if (!argv || !environ) continue;
    const env = new Map(environ.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
    if (match({ pid, argv, env })) found.push(pid);
  }
  return found.sort((a, b) => a - b);
}

/** The postmaster listening on `port` (its backends rename their argv, so only it still reads `postgres -D … -p port`). */
export const postmasterOn = (port: number) =>
  findProcesses(
    ({ argv }) => /(^|\/)postgres$/.test(argv[0] ?? '') && argv.includes('-p') && argv.includes(String(port)),
  );

/** The Hookflow processes (`workers/<entry>`) started with `dataDir` as their DATA_DIR (and `port` as PORT, when given). */
export const hookflowProcesses = (entry: 'api' | 'worker', dataDir: string, port?: number) =>
  findProcesses(
    ({ argv, env }) =>
      env.get('DATA_DIR') === dataDir &&
      argv.some((arg) => arg.includes(`workers/${entry}.`)) &&
      (port === undefined || env.get('PORT') === String(port)),
  );

/** Sends `signal`, ignoring a process that has already gone. */
export function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
