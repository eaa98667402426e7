import { readdirSync, readFileSync } from 'node:fs';

/**
 * Pids of the live processes whose environment has `name=value` (Linux /proc): the dev stack puts its
 * children and servers in process groups of their own, so a unique DATA_DIR is what finds them all.
 */
export function processesWithEnv(name: string, value: string): number[] {
  const wanted = `${name}=${value}`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0');
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // A zombie has exited; only its parent's bookkeeping is left.
      if (environ.includes(wanted) && !/^\d+ \(.*\) Z /.test(stat)) found.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return found;
}
