import { createServer } from 'node:net';

/** Where ports for servers are chosen: below the kernel's ephemeral range (32768–60999 on Linux). */
const SERVER_PORTS = { first: 20_000, count: 10_000 };

/**
 * A free TCP port on loopback, for a server that is started (often by another process) after this
 * returns. Chosen below the ephemeral range, where the OS hands out the local ports of outgoing
 * connections and of `listen(0)`: a port taken from that range could be given to one of those
 * before the server binds it (a dev stack's Temporal port was, in CI, under a busy test suite).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = SERVER_PORTS.first + Math.floor(Math.random() * SERVER_PORTS.count);
    if (!(await portInUse(port))) return port;
  }
  throw new Error(`no free port found among ${SERVER_PORTS.first}–${SERVER_PORTS.first + SERVER_PORTS.count - 1}`);
}

/** Whether something accepts connections on the port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, host, () => server.close(() => resolve(false)));
  });
}

/** The first of `count` consecutive free ports below the kernel's ephemeral range (for servers that take a block). */
export async function freePortBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = SERVER_PORTS.first + Math.floor(Math.random() * (SERVER_PORTS.count - count));
    let free = true;
    for (let port = base; free && port < base + count; port++) free = !(await portInUse(port));
    if (free) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}
