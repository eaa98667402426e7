import { Hono } from 'hono';
import type { ApiDependencies, AppEnv } from './context.js';
import { healthRoutes } from './health-routes.js';
import { ingressRoutes } from './ingress-route.js';
import { Problem, problems } from './problem.js';
import { traceIds } from './trace.js';

/** Builds the whole HTTP surface: ingress, management API, health. */
export function buildApp(deps: ApiDependencies) {
  const app = new Hono<AppEnv>();
  app.use(traceIds(deps.logger));
  app.route('/', healthRoutes(deps));
  app.route('/v1/webhooks', ingressRoutes(deps));

  app.notFound((c) => {
    const problem = problems.notFound(`No route for ${c.req.method} ${c.req.path}.`);
    return c.json(problem.body(c.get('traceId')), 404, { 'content-type': 'application/problem+json' });
  });
  app.onError((error, c) => {
    const traceId = c.get('traceId') ?? 'unknown';
    if (error instanceof Problem) {
      return c.json(error.body(traceId), error.status, { ...error.headers, 'content-type': 'application/problem+json' });
    }
    c.get('logger')?.error({ err: error }, 'unhandled error');
    const body = { type: 'about:blank', title: 'Internal Server Error', status: 500, detail: 'An unexpected error occurred.', traceId };
    return c.json(body, 500, { 'content-type': 'application/problem+json' });
  });
  return app;
}
