import { OpenAPIHono } from '@hono/zod-openapi';
import { requireManagementKey } from './auth.js';
import type { ApiDependencies, AppEnv } from './context.js';
import { documentHealth, healthRoutes } from './health-routes.js';
import { ingressRoutes } from './ingress-route.js';
import { Problem, problemHeaders, problems } from './problem.js';
import { sourceRoutes } from './source-routes.js';
import { subscriptionRoutes } from './subscription-routes.js';
import { deliveryControlRoutes } from './delivery-control-routes.js';
import { eventRoutes } from './event-routes.js';
import { deadLetterRoutes } from './dead-letter-routes.js';
import { traceIds } from './trace.js';
import { httpSpans } from '../tracing.js';
import { ingressMetrics, metricsRoutes } from './metrics-routes.js';
import { documentIngress } from './ingress-docs.js';
import { docsRoutes } from './docs-routes.js';

/** Builds the whole HTTP surface: ingress, management API, health, OpenAPI document. */
export function buildApp(deps: ApiDependencies, draining: { active: boolean } = { active: false }) {
  const app = new OpenAPIHono<AppEnv>();
  if (deps.config.OTEL_EXPORTER_OTLP_ENDPOINT) app.use(httpSpans());
  app.use(traceIds(deps.logger));
  // While shutting down, tell keep-alive clients to reconnect (to another replica) after this answer.
  app.use(async (c, next) => {
    await next();
    if (draining.active) c.header('connection', 'close');
  });
  app.route('/', healthRoutes(deps));
  app.use('/v1/webhooks/:sourceId', ingressMetrics(deps));
  app.route('/v1/webhooks', ingressRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.route('/', docsRoutes());
  documentIngress(app);
  documentHealth(app);

  // PostgreSQL text cannot hold NUL: refuse it in any path or query value up front (400, not a driver error).
  app.use('/v1/*', async (c, next) => {
    if (/%00/.test(c.req.url)) throw problems.badRequest('NUL characters are not allowed in the URL');
    await next();
  });
  // Everything under /v1 except ingress is the management API.
  const managementAuth = requireManagementKey(deps.managementApiKey);
  app.use('/v1/*', async (c, next) => (c.req.path.startsWith('/v1/webhooks/') ? next() : managementAuth(c, next)));
  app.route('/v1/sources', sourceRoutes(deps));
  app.route('/v1/subscriptions', subscriptionRoutes(deps));
  app.route('/v1/subscriptions', deliveryControlRoutes(deps));
  app.route('/v1/events', eventRoutes(deps));
  app.route('/v1/dead-letters', deadLetterRoutes(deps));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'MANAGEMENT_API_KEY',
  });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Hookflow', version: '0.1.0', description: 'Webhook ingestion and delivery on Temporal.' },
  });

  app.notFound((c) => {
    const problem = problems.notFound(`No route for ${c.req.method} ${c.req.path}.`);
    return c.json(problem.body(c.get('traceId')), problem.status, problemHeaders(problem));
  });
  app.onError((error, c) => {
    const problem = asProblem(error);
    if (problem.status === 500) c.get('logger')?.error({ err: error }, 'unhandled error');
    return c.json(problem.body(c.get('traceId') ?? 'unknown'), problem.status, problemHeaders(problem));
  });
  return app;
}

/** Every error the routes throw, as the problem it is answered with. */
function asProblem(error: Error): Problem {
  if (error instanceof Problem) return error;
  if (error instanceof SyntaxError || (error as { status?: number }).status === 400)
    return problems.badRequest(`The request body is not valid JSON: ${error.message}`);
  return problems.internal();
}
