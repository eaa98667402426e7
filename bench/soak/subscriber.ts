// The soak's subscribers: each fails a share of all requests at random and records what it answered 2xx.
import { createServer, type Server } from 'node:http';
import { listenOnLoopback } from '../runner/subscriber.js';

export type Failure = '503' | '500' | '429' | 'reset' | 'timeout';
export const FAILURES: Failure[] = ['503', '500', '429', 'reset', 'timeout'];

/**
 * A subscriber that fails `failureRate` of all requests at random (5xx, 429 with Retry-After,
 * connection reset, or no answer before the delivery timeout) and records every message it answered 2xx.
 */
export interface FailingSubscriber {
  url: string;
  server: Server;
  requests: number;
  failures: Record<Failure, number>;
  /** webhook-id → how many times it was answered 2xx (more than once = a duplicate delivery). */
  delivered: Map<string, number>;
  close(): void;
}

export async function startFailingSubscriber(failureRate: number, timeoutMs: number): Promise<FailingSubscriber> {
  const subscriber: FailingSubscriber = {
    url: '',
    server: undefined as never,
    requests: 0,
    failures: { 503: 0, 500: 0, 429: 0, reset: 0, timeout: 0 },
    delivered: new Map(),
    close() {
      subscriber.server.closeAllConnections();
      subscriber.server.close();
    },
  };
  subscriber.server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      subscriber.requests++;
      const id = String(req.headers['webhook-id']);
      if (Math.random() < failureRate) {
        const failure = FAILURES[Math.floor(Math.random() * FAILURES.length)]!;
        subscriber.failures[failure]++;
        if (failure === 'reset') return req.socket.destroy();
        if (failure === 'timeout') return void setTimeout(() => res.writeHead(503).end(), timeoutMs + 500);
        if (failure === '429') return res.writeHead(429, { 'retry-after': '1' }).end();
        return res.writeHead(Number(failure)).end();
      }
      subscriber.delivered.set(id, (subscriber.delivered.get(id) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  subscriber.url = await listenOnLoopback(subscriber.server);
  return subscriber;
}
