import { eventDetail, eventSummary, listEvents } from '../management/events.js';
import { redeliverEvent } from '../temporal/redelivery.js';
import type { ApiDependencies } from './context.js';
import { managementRoutesOf, openApiRouter } from './openapi-app.js';
import { cursorKeys, decodeCursor, pageOf, pageQuerySchema, toPage } from './pagination.js';
import { problems } from './problem.js';
import { idParam, json } from './route-helpers.js';
import {
  eventDetailSchema,
  eventFilterSchema,
  eventSummarySchema,
  redeliverBodySchema,
  redeliverResultSchema,
} from '../contracts/events.js';

const route = managementRoutesOf(['Events']);
const routes = {
  list: route({
    method: 'get',
    path: '/',
    summary: 'The event log, newest first',
    request: { query: pageQuerySchema.extend(eventFilterSchema.shape) },
    responses: { 200: { description: 'A page', ...json(pageOf(eventSummarySchema)) } },
  }),
  get: route({
    method: 'get',
    path: '/{id}',
    summary: 'An event with its deliveries and their attempts',
    request: { params: idParam('evt_0123456789abcdefghjkmnpqrs') },
    responses: { 200: { description: 'The event', ...json(eventDetailSchema) } },
  }),
  redeliver: route({
    method: 'post',
    path: '/{id}/redeliver',
    summary: 'Resend an event (delivered or not) to some or all of its subscriptions, same webhook-id',
    request: {
      params: idParam('evt_0123456789abcdefghjkmnpqrs'),
      body: { ...json(redeliverBodySchema), required: false },
    },
    responses: {
      202: { description: 'What was done for each delivery', ...json(redeliverResultSchema) },
    },
  }),
};

/** `GET /v1/events`, `GET /v1/events/:id` and `POST /v1/events/:id/redeliver`. */
export function eventRoutes(deps: ApiDependencies) {
  const app = openApiRouter();
  app.openapi(routes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const after = cursor ? decodeCursor(cursor, cursorKeys.timeAndId) : undefined;
    if (after && Number.isNaN(Date.parse(after[0])))
      throw problems.badRequest('cursor is not a cursor this API issued');
    const rows = await listEvents(deps.db, filter, limit, after);
    return c.json(
      toPage(rows, limit, (r) => [r.receivedAt.toISOString(), r.id], eventSummary),
      200,
    );
  });
  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const detail = await eventDetail(deps.db, id);
    if (!detail) throw problems.notFound(`No event "${id}".`);
    return c.json(detail, 200);
  });
  app.openapi(routes.redeliver, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json') ?? {};
    const deliveries = await redeliverEvent(deps, id, body.subscriptionIds, body.reason);
    if (!deliveries) throw problems.notFound(`No event "${id}".`);
    if (body.subscriptionIds?.length && deliveries.length === 0)
      throw problems.notFound(`Event ${id} was not routed to ${body.subscriptionIds.join(', ')}.`);
    return c.json({ eventId: id, deliveries }, 202);
  });
  return app;
}
