// The ordered phase's subscriber: answers 200 after HOLD_MS and records arrival order and overlap.
import { createServer, type Server } from 'node:http';
import { closeServer, listenOnLoopback } from '../../runner/subscriber.js';

/** How long the subscriber holds each answer, so two deliveries let in together would overlap (and be counted). */
const HOLD_MS = 5;

export interface OrderedSubscriber {
  url: string;
  /** Event ids (webhook-id) in the order their first 2xx was answered. */
  arrivals: string[];
  /** Event id → how many times it was answered 2xx. */
  delivered: Map<string, number>;
  /** `performance.now()` of each first arrival, parallel to `arrivals`. */
  arrivedAt: number[];
  /** `performance.now()` of the latest 2xx answer (0 before the first). */
  readonly lastDeliveredAt: number;
  /** The most requests it had in progress at once. */
  readonly maxConcurrent: number;
  close(): void;
}

/** A subscriber that answers 200 after HOLD_MS and records arrival order and how many requests overlapped. */
export async function startOrderedSubscriber(): Promise<OrderedSubscriber> {
  const arrivals: string[] = [];
  const arrivedAt: number[] = [];
  const delivered = new Map<string, number>();
  const state = { inFlight: 0, maxConcurrent: 0, lastDeliveredAt: 0 };
  const server: Server = createServer((req, res) => {
    state.inFlight++;
    state.maxConcurrent = Math.max(state.maxConcurrent, state.inFlight);
    const id = String(req.headers['webhook-id']);
    req.resume();
    req.on('end', () => {
      setTimeout(() => {
        const times = delivered.get(id) ?? 0;
        delivered.set(id, times + 1);
        if (times === 0) {
          arrivals.push(id);
          arrivedAt.push(performance.now());
        }
        state.lastDeliveredAt = performance.now();
        state.inFlight--;
        res.writeHead(200).end();
      }, HOLD_MS);
    });
  });
  const url = await listenOnLoopback(server);
  return {
    url,
    arrivals,
    arrivedAt,
    delivered,
    get lastDeliveredAt() {
      return state.lastDeliveredAt;
    },
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    close: () => closeServer(server),
  };
}
