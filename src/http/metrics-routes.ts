import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { ApiDependencies, AppEnv } from './context.js';
import { openApiRouter } from './openapi-app.js';

/** Counts and times every ingress request; unknown sources share one label (ids are sender-chosen). */
export function ingressMetrics(deps: ApiDependencies): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const sourceId = c.req.param('sourceId') ?? 'unknown';
    const source = c.res.status === 404 ? 'unknown' : sourceId;
    deps.metrics.ingressRequests.inc({ source, status: String(c.res.status) });
    deps.metrics.ingressLatency.observe({ source }, performance.now() - started);
  };
}

const route = createRoute({
  method: 'get',
  path: '/metrics',
  tags: ['Operations'],
  summary: 'Prometheus metrics (text exposition format)',
  responses: { 200: { description: 'Metrics', content: { 'text/plain': { schema: z.string() } } } },
});

/** `GET /metrics` in the Prometheus text format. */
export function metricsRoutes(deps: ApiDependencies) {
  const app = openApiRouter();
  app.openapi(route, async (c) =>
    c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }),
  );
  return app;
}
