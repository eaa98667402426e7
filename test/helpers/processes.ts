import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

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

/** Socket inodes listening on TCP `port` (IPv4 and IPv6), from /proc/net. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      if (fields[1]!.split(':')[1] === hexPort) inodes.add(fields[9]!);
    }
  }
  return inodes;
}

/** Pids owning a socket that listens on TCP `port`. */
export function listenersOf(port: number): number[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const owners: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const holds = readdirSync(`/proc/${entry}/fd`).some((fd) => {
        try {
          return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${entry}/fd/${fd}`))?.[1] ?? '');
        } catch {
          return false;
        }
      });
      if (holds) owners.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return owners;
}

/**
 * The processes listening on `port` whose environment or command line mentions `text` (a run's own
 * DATA_DIR). A port the suite picked as free may be taken by another test file once ours let it go,
 * so "nothing of ours still listening" is asked of the listener's owner, not of the port.
 */
export function ownListeners(port: number, text: string): string[] {
  return listenersOf(port).flatMap((pid) => {
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      return environ.includes(text) || cmdline.includes(text) ? [`${pid}: ${cmdline}`] : [];
    } catch {
      return [];
    }
  });
}
