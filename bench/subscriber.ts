import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

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
export function startSubscriber(failFirst: boolean): Promise<Subscriber> {
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
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        delivered,
        failedIds,
        get failed() {
          return failedIds.size;
        },
        get lastDeliveredAt() {
          return state.lastDeliveredAt;
        },
        close() {
          server.close();
          server.closeAllConnections();
        },
      }),
    ),
  );
}
