import { count, eq } from 'drizzle-orm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Database } from '../db/client.js';
import { outboxBacklog } from '../db/ingress-outbox.js';
import { deadLetters, deliveries } from '../db/schema.js';

/** Millisecond buckets from sub-millisecond cache hits to multi-second stalls. */
export const MILLISECOND_BUCKETS = [1, 2.5, 5, 10, 20, 40, 80, 160, 320, 640, 1_280, 2_560, 5_120, 10_240];

/** The API process's Prometheus metrics (`GET /metrics`, README "Operate it"). */
export function createApiMetrics(db: Database) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hookflow_api_' });
  // The outbox gauges are collected together (prom-client awaits every collect at once): one query serves them.
  let backlogQuery: ReturnType<typeof outboxBacklog> | undefined;
  const backlog = () => (backlogQuery ??= outboxBacklog(db).finally(() => (backlogQuery = undefined)));
  return {
    registry,
    ingressRequests: new Counter({
      name: 'hookflow_ingress_requests_total',
      help: 'Ingress requests by source and HTTP status',
      labelNames: ['source', 'status'],
      registers: [registry],
    }),
    ingressLatency: new Histogram({
      name: 'hookflow_ingress_duration_ms',
      help: 'Ingress request duration in milliseconds',
      labelNames: ['source'],
      buckets: MILLISECOND_BUCKETS,
      registers: [registry],
    }),
    duplicates: new Counter({
      name: 'hookflow_ingress_duplicates_total',
      help: 'Duplicate webhooks acknowledged without processing',
      labelNames: ['source'],
      registers: [registry],
    }),
    // Read from Postgres at scrape time, so every API replica reports the same truth.
    deadLettersOpen: new Gauge({
      name: 'hookflow_dead_letters_open',
      help: 'Open dead letters',
      registers: [registry],
      async collect() {
        const [row] = await db.select({ n: count() }).from(deadLetters).where(eq(deadLetters.status, 'open'));
        this.set(row?.n ?? 0);
      },
    }),
    outboxDepth: new Gauge({
      name: 'hookflow_ingress_outbox_depth',
      help: 'Spilled webhooks waiting in the outbox for their workflow start',
      registers: [registry],
      async collect() {
        this.set((await backlog()).depth);
      },
    }),
    outboxOldestAge: new Gauge({
      name: 'hookflow_ingress_outbox_oldest_age_seconds',
      help: 'Age of the oldest spilled webhook not yet started (0 when the outbox is empty)',
      registers: [registry],
      async collect() {
        this.set((await backlog()).oldestAgeSeconds);
      },
    }),
    outboxStarted: new Gauge({
      name: 'hookflow_ingress_outbox_started',
      help: 'Spilled webhooks whose workflow has started but not yet recorded the event (their rows hold FIFO queues)',
      registers: [registry],
      async collect() {
        this.set((await backlog()).startedNotRecorded);
      },
    }),
    deliveriesByStatus: new Gauge({
      name: 'hookflow_deliveries',
      help: 'Deliveries by current status',
      labelNames: ['status'],
      registers: [registry],
      async collect() {
        this.reset();
        const rows = await db
          .select({ status: deliveries.status, n: count() })
          .from(deliveries)
          .groupBy(deliveries.status);
        for (const row of rows) this.set({ status: row.status }, row.n);
      },
    }),
  };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;
