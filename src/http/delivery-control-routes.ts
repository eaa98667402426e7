import { findSubscription } from '../management/subscriptions.js';
import { testFilter, testTransform } from '../management/delivery-control.js';
import { TransformFailed } from '../delivery/transform.js';
import {
  filterTestResultSchema,
  filterTestSchema,
  transformTestResultSchema,
  transformTestSchema,
} from '../contracts/subscriptions.js';
import type { ApiDependencies } from './context.js';
import { managementRoutesOf, openApiRouter, problemContent } from './openapi-app.js';
import { problems } from './problem.js';
import { idParam, json } from './route-helpers.js';

const route = managementRoutesOf(['Subscriptions']);
const params = idParam('sub_01jd3k5v7w8x9y0z1a2b3c4d5e');

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
};

/** Per-subscription delivery controls (README "Payload filters", "Transformations"). */
export function deliveryControlRoutes(deps: ApiDependencies) {
  const app = openApiRouter();
  const subscription = async (id: string) => {
    const row = await findSubscription(deps.db, id);
    if (!row) throw problems.notFound(`No subscription "${id}".`);
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
  return app;
}
