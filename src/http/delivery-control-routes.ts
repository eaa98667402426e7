import { z } from '@hono/zod-openapi';
import { findSubscription, subscriptionViewer } from '../management/subscriptions.js';
import { pause, resume, testFilter, testTransform } from '../management/delivery-control.js';
import { TransformFailed } from '../delivery/transform.js';
import { cancelRecovery, recoveryOf, startRecovery } from '../management/recovery.js';
import {
  filterTestResultSchema,
  filterTestSchema,
  recoverSchema,
  recoverySchema,
  subscriptionSchema,
  transformTestResultSchema,
  transformTestSchema,
} from '../contracts/subscriptions.js';
import type { ApiDependencies } from './context.js';
import { managementRoutesOf, openApiRouter, problemContent } from './openapi-app.js';
import { problems } from './problem.js';
import { idParam, json } from './route-helpers.js';

const route = managementRoutesOf(['Subscriptions']);
const params = idParam('sub_01jd3k5v7w8x9y0z1a2b3c4d5e');
const recoveryParams = params.extend({
  recoveryId: z
    .string()
    .regex(/^[0-9a-z]{26}$/, 'must be the ULID part of a recover: workflow id')
    .openapi({ param: { name: 'recoveryId', in: 'path' }, example: '01jd3k5v7w8x9y0z1a2b3c4d5e' }),
});

const routes = {
  filterTest: route({
    method: 'post',
    path: '/{id}/filter-test',
    summary: "Evaluate the subscription's filter on a sample payload (nothing is sent)",
    request: { params, body: { ...json(filterTestSchema), required: true } },
    responses: { 200: { description: 'Whether it matches, and why', ...json(filterTestResultSchema) } },
  }),
  transformTest: route({
    method: 'post',
    path: '/{id}/transform-test',
    summary: "Run the subscription's transform on a sample payload (nothing is sent)",
    request: { params, body: { ...json(transformTestSchema), required: true } },
    responses: {
      200: { description: 'The body and headers it would send, or cancelled', ...json(transformTestResultSchema) },
      422: { description: "The expression's error (problem+json)", ...problemContent },
    },
  }),
  pause: route({
    method: 'post',
    path: '/{id}/pause',
    summary: 'Hold its deliveries: no attempts and no retry budget spent until resumed',
    request: { params },
    responses: { 200: { description: 'Paused', ...json(subscriptionSchema) } },
  }),
  resume: route({
    method: 'post',
    path: '/{id}/resume',
    summary: 'Release its held deliveries (at its rate limit and in-flight cap, FIFO in order)',
    request: { params },
    responses: {
      200: {
        description: 'Resumed',
        ...json(
          subscriptionSchema.extend({
            released: z.number().int().openapi({ description: 'Workflows with held lanes signalled to go on now.' }),
          }),
        ),
      },
    },
  }),
  recover: route({
    method: 'post',
    path: '/{id}/recover',
    summary: 'Resend its deliveries of a time window, in acceptance order, as one recover: workflow',
    request: { params, body: { ...json(recoverSchema), required: true } },
    responses: {
      202: {
        description: 'Started; follow it with GET …/recover/{recoveryId} or in the Temporal UI',
        ...json(
          z.object({
            workflowId: z.string(),
            recoveryId: z.string(),
            deliveries: z.number().int().openapi({ description: 'Deliveries the window held when it started.' }),
          }),
        ),
      },
    },
  }),
  recovery: route({
    method: 'get',
    path: '/{id}/recover/{recoveryId}',
    summary: "A recovery's status and progress",
    request: { params: recoveryParams },
    responses: { 200: { description: 'The recovery', ...json(recoverySchema) } },
  }),
  cancelRecovery: route({
    method: 'post',
    path: '/{id}/recover/{recoveryId}/cancel',
    summary: 'Stop a running recovery (what it resent stays resent)',
    request: { params: recoveryParams },
    responses: { 200: { description: 'Cancellation requested (or it had finished)', ...json(recoverySchema) } },
  }),
};

/**
 * Per-subscription delivery controls (README "Payload filters", "Transformations", "Pause and
 * circuit breaker", "Recover a time window").
 */
export function deliveryControlRoutes(deps: ApiDependencies) {
  const app = openApiRouter();
  const view = subscriptionViewer(deps.config);
  const notFound = (id: string) => problems.notFound(`No subscription "${id}".`);
  const subscription = async (id: string) => {
    const row = await findSubscription(deps.db, id);
    if (!row) throw notFound(id);
    return row;
  };
  app.openapi(routes.filterTest, async (c) => {
    const row = await subscription(c.req.valid('param').id);
    return c.json(testFilter(row, c.req.valid('json')), 200);
  });
  app.openapi(routes.transformTest, async (c) => {
    const row = await subscription(c.req.valid('param').id);
    try {
      return c.json(await testTransform(row, c.req.valid('json'), deps.config.TRANSFORM_TIMEOUT_MS), 200);
    } catch (error) {
      if (error instanceof TransformFailed) throw problems.transformFailed(error.message);
      throw error;
    }
  });
  app.openapi(routes.pause, async (c) => {
    const { id } = c.req.valid('param');
    const row = await pause({ ...deps, logger: c.get('logger') }, id);
    if (!row) throw notFound(id);
    return c.json(view(row), 200);
  });
  app.openapi(routes.resume, async (c) => {
    const { id } = c.req.valid('param');
    const resumed = await resume({ ...deps, logger: c.get('logger') }, id);
    if (!resumed) throw notFound(id);
    return c.json({ ...view(resumed.row), released: resumed.released }, 200);
  });
  addRecoveryRoutes(app, deps, subscription);
  return app;
}

/** `recover` and the routes that follow or stop one (README "Recover a time window"). */
function addRecoveryRoutes(
  app: ReturnType<typeof openApiRouter>,
  deps: ApiDependencies,
  subscription: (id: string) => Promise<unknown>,
): void {
  const missing = (id: string, recoveryId: string) =>
    problems.notFound(`No recovery "${recoveryId}" of subscription "${id}".`);
  app.openapi(routes.recover, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    await subscription(id);
    const since = new Date(body.since);
    const until = body.until ? new Date(body.until) : new Date();
    if (!(since < until))
      throw problems.badRequest('since must be before until', [{ path: '/since', message: 'must be before until' }]);
    const started = await startRecovery({ ...deps, logger: c.get('logger') }, id, { since, until, scope: body.status });
    const recoveryId = started.workflowId.slice(started.workflowId.lastIndexOf(':') + 1);
    return c.json({ ...started, recoveryId }, 202);
  });
  app.openapi(routes.recovery, async (c) => {
    const { id, recoveryId } = c.req.valid('param');
    const recovery = await recoveryOf({ ...deps, logger: c.get('logger') }, id, recoveryId);
    if (!recovery) throw missing(id, recoveryId);
    return c.json(recovery, 200);
  });
  app.openapi(routes.cancelRecovery, async (c) => {
    const { id, recoveryId } = c.req.valid('param');
    const recovery = await cancelRecovery({ ...deps, logger: c.get('logger') }, id, recoveryId);
    if (!recovery) throw missing(id, recoveryId);
    return c.json(recovery, 200);
  });
}
