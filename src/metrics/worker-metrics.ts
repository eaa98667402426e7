import { createServer, type Server } from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { MILLISECOND_BUCKETS } from './api-metrics.js';

/** The worker process's Prometheus metrics: delivery outcomes and attempt latency. */
export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'hookflow_worker_' });
  return {
    registry,
    deliveryAttempts: new Counter({
      name: 'hookflow_delivery_attempts_total',
      help: 'Delivery attempts by outcome (delivered, retryable, rejected, blocked)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    attemptLatency: new Histogram({
      name: 'hookflow_delivery_attempt_duration_ms',
      help: 'Delivery attempt duration in milliseconds',
      labelNames: ['outcome'],
      buckets: MILLISECOND_BUCKETS,
      registers: [registry],
    }),
    dependencyUnavailable: new Counter({
      name: 'hookflow_dependency_unavailable_total',
      help: 'Delivery activities that found one of our own dependencies unreachable before sending (no attempt spent)',
      labelNames: ['dependency'],
      registers: [registry],
    }),
    filtered: new Counter({
      name: 'hookflow_filtered_total',
      help: "Events a subscription's filter kept from it (matched by type and source, rejected by the filter)",
      labelNames: ['subscription'],
      registers: [registry],
    }),
    transformCancelled: new Counter({
      name: 'hookflow_transform_cancelled_total',
      help: "Deliveries the subscription's transformation cancelled (no request sent)",
      labelNames: ['subscription'],
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: 'hookflow_circuit_state',
      help: "A subscription's circuit breaker as this worker last saw it change: 1 open, 0 closed",
      labelNames: ['subscription'],
      registers: [registry],
    }),
    deadLettered: new Counter({
      name: 'hookflow_dead_lettered_total',
      help: 'Dead letters written, by stage and reason',
      labelNames: ['stage', 'reason'],
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** Serves `GET /metrics` for the worker on its own port (the worker has no API of its own). */
export function serveWorkerMetrics(metrics: WorkerMetrics, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': metrics.registry.contentType });
    res.end(await metrics.registry.metrics());
  });
  return new Promise((resolve) => server.listen(port, host, () => resolve(server)));
}
