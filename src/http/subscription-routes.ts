import { z } from '@hono/zod-openapi';
import { deliveryStatuses } from '../domain/vocabulary.js';
import { subscriptionUrlProblem } from '../delivery/validate-target.js';
import { deliveryControlProblems } from '../management/delivery-control.js';
import { openDeadLetters } from '../management/dead-letter-reads.js';
import { replayMany } from '../temporal/redelivery.js';
import { sendTestEvent } from '../management/test-event.js';
import {
  createSubscription,
  deleteSubscription,
  deliveryView,
  findSubscription,
  generateSubscriptionSecret,
  listSubscriptionDeliveries,
  listSubscriptions,
  deliveryPolicyProblems,
  disableSubscription,
  rotateSubscriptionSecret,
  subscriptionPatch,
  subscriptionViewer,
  updateSubscription,
} from '../management/subscriptions.js';
import type { ApiDependencies } from './context.js';
import { managementRoutesOf, openApiRouter } from './openapi-app.js';
import { cursorKeys, decodeCursor, pageOf, pageQuerySchema, toPage } from './pagination.js';
import { problems } from './problem.js';
import { idParam, json } from './route-helpers.js';
import {
  createSubscriptionSchema,
  deliverySummarySchema,
  enableSubscriptionSchema,
  rotateSubscriptionSecretSchema,
  subscriptionSchema,
  subscriptionWithSecretSchema,
  updateSubscriptionSchema,
} from '../contracts/subscriptions.js';

const route = managementRoutesOf(['Subscriptions']);
const params = idParam('sub_01jd3k5v7w8x9y0z1a2b3c4d5e');
const enabledResult = subscriptionSchema.extend({
  replayed: z.number().int().openapi({ description: 'Dead letters replayed because of replaySince.' }),
});

const routes = {
  create: route({
    method: 'post',
    path: '/',
    summary: 'Create a subscription',
    request: { body: { ...json(createSubscriptionSchema), required: true } },
    responses: {
      201: { description: 'Created; the secret is shown this once', ...json(subscriptionWithSecretSchema) },
    },
  }),
  list: route({
    method: 'get',
    path: '/',
    summary: 'List subscriptions',
    request: { query: pageQuerySchema },
    responses: { 200: { description: 'A page', ...json(pageOf(subscriptionSchema)) } },
  }),
  get: route({
    method: 'get',
    path: '/{id}',
    summary: 'Get a subscription',
    request: { params },
    responses: { 200: { description: 'The subscription', ...json(subscriptionSchema) } },
  }),
  update: route({
    method: 'patch',
    path: '/{id}',
    summary: 'Update a subscription',
    request: { params, body: { ...json(updateSubscriptionSchema), required: true } },
    responses: { 200: { description: 'Updated', ...json(subscriptionSchema) } },
  }),
  remove: route({
    method: 'delete',
    path: '/{id}',
    summary: 'Delete a subscription',
    request: { params },
    responses: {
      204: { description: 'Deleted; pending deliveries dead-letter as subscription_disabled' },
    },
  }),
  rotate: route({
    method: 'post',
    path: '/{id}/rotate-secret',
    summary: 'Rotate the signing secret (dual signing during the grace window)',
    request: { params, body: { ...json(rotateSubscriptionSecretSchema), required: false } },
    responses: {
      200: { description: 'Rotated; the new secret is shown this once', ...json(subscriptionWithSecretSchema) },
    },
  }),
  enable: route({
    method: 'post',
    path: '/{id}/enable',
    summary: 'Enable (optionally replaying what it missed)',
    request: { params, body: { ...json(enableSubscriptionSchema), required: false } },
    responses: { 200: { description: 'Enabled', ...json(enabledResult) } },
  }),
  disable: route({
    method: 'post',
    path: '/{id}/disable',
    summary: 'Disable',
    request: { params },
    responses: { 200: { description: 'Disabled', ...json(subscriptionSchema) } },
  }),
  test: route({
    method: 'post',
    path: '/{id}/test',
    summary: 'Send a synthetic hookflow.test event to this endpoint only',
    request: { params },
    responses: {
      202: {
        description: 'Test delivery started',
        ...json(z.object({ eventId: z.string(), deliveryId: z.string(), workflowId: z.string() })),
      },
    },
  }),
  deliveries: route({
    method: 'get',
    path: '/{id}/deliveries',
    summary: 'Recent deliveries, newest first',
    request: { params, query: pageQuerySchema.extend({ status: z.enum(deliveryStatuses).optional() }) },
    responses: { 200: { description: 'A page', ...json(pageOf(deliverySummarySchema)) } },
  }),
};

/** Management routes for subscriptions (the management API, README "Operate it"). Secrets are shown once: at creation and rotation. */
export function subscriptionRoutes(deps: ApiDependencies) {
  const app = openApiRouter();
  addCrudRoutes(app, deps);
  addActionRoutes(app, deps);
  return app;
}

type Router = ReturnType<typeof openApiRouter>;
const notFound = (id: string) => problems.notFound(`No subscription "${id}".`);

/** Create, list, get, update, delete: a URL and a delivery policy are checked before they are stored. */
function addCrudRoutes(app: Router, deps: ApiDependencies): void {
  const view = subscriptionViewer(deps.config);
  const policy = { allowPrivateTargets: deps.config.ALLOW_PRIVATE_TARGETS, requireHttps: deps.config.REQUIRE_HTTPS };
  const checkUrl = async (url: string | undefined) => {
    const problem = url === undefined ? undefined : await subscriptionUrlProblem(url, policy);
    if (problem)
      throw problems.badRequest(`url is not an allowed delivery target: ${problem}`, [
        { path: '/url', message: problem },
      ]);
  };

  const checkControls = (body: { filter?: unknown; transform?: string | null | undefined }) => {
    const errors = deliveryControlProblems(body);
    if (errors.length)
      throw problems.badRequest(
        `The subscription's filter or transform is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        errors,
      );
  };

  const checkPolicy = (policy: Parameters<typeof deliveryPolicyProblems>[0]) => {
    const errors = deliveryPolicyProblems(policy);
    if (errors.length)
      throw problems.badRequest(
        `The delivery policy is inconsistent: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
        errors,
      );
  };

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid('json');
    await checkUrl(body.url);
    checkControls(body);
    checkPolicy({
      maxInFlight: body.maxInFlight ?? null,
      ordering: body.ordering ?? 'none',
      orderingKey: body.orderingKey ?? null,
    });
    const row = await createSubscription(deps.db, body);
    c.get('logger').info({ event: 'subscription_created', subscriptionId: row.id }, 'subscription created');
    return c.json({ ...view(row), secret: row.secret }, 201);
  });
  app.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const rows = await listSubscriptions(deps.db, limit, cursor ? decodeCursor(cursor, cursorKeys.id)[0] : undefined);
    return c.json(
      toPage(rows, limit, (r) => [r.id], view),
      200,
    );
  });
  app.openapi(routes.get, async (c) => {
    const row = await findSubscription(deps.db, c.req.valid('param').id);
    if (!row) throw notFound(c.req.valid('param').id);
    return c.json(view(row), 200);
  });
  app.openapi(routes.update, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    await checkUrl(body.url);
    checkControls(body);
    const current = await findSubscription(deps.db, id);
    if (!current) throw notFound(id);
    const patch = subscriptionPatch(body);
    checkPolicy({
      maxInFlight: patch.maxInFlight === undefined ? current.maxInFlight : patch.maxInFlight,
      ordering: patch.ordering ?? current.ordering,
      orderingKey: patch.orderingKey === undefined ? current.orderingKey : patch.orderingKey,
    });
    const row = await updateSubscription(deps.db, id, patch);
    if (!row) throw notFound(id);
    return c.json(view(row), 200);
  });
  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deleteSubscription(deps.db, id))) throw notFound(id);
    return c.body(null, 204);
  });
}

/** Secret rotation, enable (with replay), disable, the test event and the delivery list. */
function addActionRoutes(app: Router, deps: ApiDependencies): void {
  const view = subscriptionViewer(deps.config);
  app.openapi(routes.rotate, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json') ?? {};
    const secret = body.secret ?? generateSubscriptionSecret();
    const graceMs = body.graceSeconds === undefined ? deps.config.SECRET_ROTATION_GRACE : body.graceSeconds * 1000;
    const row = await rotateSubscriptionSecret(deps.db, id, secret, graceMs);
    if (!row) throw notFound(id);
    c.get('logger').info(
      { event: 'subscription_secret_rotated', subscriptionId: id, graceMs },
      'subscription secret rotated',
    );
    return c.json({ ...view(row), secret }, 200);
  });
  app.openapi(routes.enable, async (c) => {
    const { id } = c.req.valid('param');
    const { replaySince } = c.req.valid('json') ?? {};
    const row = await updateSubscription(deps.db, id, {
      enabled: true,
      disabledReason: null,
      failureStreak: 0,
      failingSince: null,
    });
    if (!row) throw notFound(id);
    let replayed = 0;
    if (replaySince) {
      const open = await openDeadLetters(deps.db, { subscriptionId: id, since: replaySince });
      replayed = await replayMany(deps, open, { reason: 're-enabled' });
    }
    return c.json({ ...view(row), replayed }, 200);
  });
  app.openapi(routes.disable, async (c) => {
    const { id } = c.req.valid('param');
    const row = await disableSubscription({ ...deps, logger: c.get('logger') }, id);
    if (!row) throw notFound(id);
    return c.json(view(row), 200);
  });
  app.openapi(routes.test, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await findSubscription(deps.db, id))) throw notFound(id);
    return c.json(await sendTestEvent(deps, id), 202);
  });
  app.openapi(routes.deliveries, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, cursor, status } = c.req.valid('query');
    const rows = await listSubscriptionDeliveries(
      deps.db,
      id,
      limit,
      status,
      cursor ? decodeCursor(cursor, cursorKeys.id)[0] : undefined,
    );
    return c.json(
      toPage(rows, limit, (r) => [r.id], deliveryView),
      200,
    );
  });
}
