// The benchmarks' webhook subscribers: local HTTP servers that record what they were delivered.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on a free loopback port; resolves with the server's base URL. */
export function listenOnLoopback(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

/** Stops accepting and drops the connections still open. */
export function closeServer(server: Server): void {
  server.close();
  server.closeAllConnections();
}

export interface Subscriber {
  server: Server;
  url: string;
  /** Message id → how many times it was answered 2xx. */
  delivered: Map<string, number>;
  /** Message ids whose first try was answered 503. */
  failedIds: Set<string>;
  readonly failed: number;
  /** `performance.now()` of the latest 2xx answer (0 before the first). */
  readonly lastDeliveredAt: number;
  close(): void;
}

/** A subscriber that records each message id answered 2xx; `failFirst` answers 503 to the first try of ~5% of ids. */
export async function startSubscriber(failFirst: boolean): Promise<Subscriber> {
  const delivered = new Map<string, number>();
  const seen = new Set<string>();
  const failedIds = new Set<string>();
  const state = { lastDeliveredAt: 0 };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['webhook-id']);
      const first = !seen.has(id);
      seen.add(id);
      if (failFirst && first && parseInt(id.slice(-6), 32) % 20 === 0) {
        failedIds.add(id);
        res.writeHead(503).end();
        return;
      }
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      state.lastDeliveredAt = performance.now();
      res.writeHead(200).end();
    });
  });
  const url = await listenOnLoopback(server);
  return {
    server,
    url,
    delivered,
    failedIds,
    get failed() {
      return failedIds.size;
    },
    get lastDeliveredAt() {
      return state.lastDeliveredAt;
    },
    close: () => closeServer(server),
  };
}
