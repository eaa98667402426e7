import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

/**
 * A real HTTP subscriber on loopback. `respond` decides each answer (default 200) and sees the
 * request and how many times this webhook-id arrived before.
 *
 * Its URL carries a path of its own, and only requests under it are received (their `path` is the
 * rest). The suite's files share one database, so a closed sink's subscription (another file's,
 * matching every event) still routes to its port, which the OS may give to a new sink: those
 * requests are strays, answered 410 (the endpoint is gone) and never counted as received.
 */
export interface Sink {
  url: string;
  received: ReceivedRequest[];
  /** Requests to this port outside the sink's path: meant for an earlier sink on the same port. */
  strays: number;
  respond: (request: ReceivedRequest, seenBefore: number) => Reply | Promise<Reply>;
  /** Requests for one webhook-id. */
  byMessage(id: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startSink(respond?: Sink['respond']): Promise<Sink> {
  const seen = new Map<string, number>();
  const prefix = `/sink-${randomBytes(6).toString('hex')}`;
  const sink: Sink = {
    url: '',
    received: [],
    strays: 0,
    respond: respond ?? (() => ({ status: 200 })),
    byMessage: (id) => sink.received.filter((r) => r.headers['webhook-id'] === id),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const path = req.url ?? '/';
      const rest = path.slice(prefix.length);
      if (!path.startsWith(prefix) || (rest !== '' && !/^[/?]/.test(rest))) {
        sink.strays += 1;
        res.writeHead(410);
        res.end();
        return;
      }
      const request = {
        path: rest.startsWith('/') ? rest : `/${rest}`,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      sink.received.push(request);
      const id = String(req.headers['webhook-id']);
      const before = seen.get(id) ?? 0;
      seen.set(id, before + 1);
      const reply = await sink.respond(request, before);
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  return sink;
}

/** Sinks started by one test file, closed together in its `afterAll`. */
export function sinkPool() {
  const started: Sink[] = [];
  return {
    start: async (respond?: Sink['respond']) => {
      const sink = await startSink(respond);
      started.push(sink);
      return sink;
    },
    closeAll: async () => {
      await Promise.all(started.map((s) => s.close()));
      // Evidence for the shared database's cross-talk (see `Sink`), kept out of every count.
      for (const sink of started)
        if (sink.strays > 0)
          console.log(`[sink] ${sink.url}: ${sink.strays} requests meant for an earlier sink on its port`);
    },
  };
}
