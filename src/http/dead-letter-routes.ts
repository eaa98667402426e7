import { z } from '@hono/zod-openapi';
import { deadLetterView, findDeadLetter, listDeadLetters, openDeadLetters } from '../management/dead-letter-reads.js';
import { discardDeadLetter, replayDeadLetter, replayMany } from '../temporal/redelivery.js';
import type { ApiDependencies } from './context.js';
import { managementRoutesOf, openApiRouter } from './openapi-app.js';
import { cursorKeys, decodeCursor, pageOf, pageQuerySchema, toPage } from './pagination.js';
import { problems } from './problem.js';
import { idParam, json } from './route-helpers.js';
import { deadLetterFilterSchema, deadLetterSchema, replayBodySchema } from '../contracts/events.js';

const route = managementRoutesOf(['Dead letters']);
const params = idParam('dlq_01jd3k5v7w8x9y0z1a2b3c4d5e');
const routes = {
  list: route({
    method: 'get',
    path: '/',
    summary: 'Dead letters, newest first',
    request: { query: pageQuerySchema.extend(deadLetterFilterSchema.shape) },
    responses: { 200: { description: 'A page', ...json(pageOf(deadLetterSchema)) } },
  }),
  bulkReplay: route({
    method: 'post',
    path: '/replay',
    summary: 'Replay every open dead letter matching the filters',
    request: {
      query: deadLetterFilterSchema.omit({ status: true }),
      body: { ...json(replayBodySchema), required: false },
    },
    responses: {
      200: { description: 'How many were replayed', ...json(z.object({ count: z.number().int() })) },
    },
  }),
  get: route({
    method: 'get',
    path: '/{id}',
    summary: 'A dead letter',
    request: { params },
    responses: { 200: { description: 'The dead letter', ...json(deadLetterSchema) } },
  }),
  replay: route({
    method: 'post',
    path: '/{id}/replay',
    summary: 'Replay one (the replayDeadLetter Update, or a redelivery workflow after the window)',
    request: { params, body: { ...json(replayBodySchema), required: false } },
    responses: {
      202: {
        description: 'Replay begun: the dead letter is `replayed`, its delivery `replaying`',
        ...json(z.object({ id: z.string(), workflowId: z.string(), status: z.literal('replaying') })),
      },
      409: { description: 'Not open, or the workflow holding it is not waiting for a decision' },
    },
  }),
  discard: route({
    method: 'post',
    path: '/{id}/discard',
    summary: 'Close without delivery (the discardDeadLetter Update, or a short run after the window)',
    request: { params, body: { ...json(replayBodySchema), required: false } },
    responses: {
      200: { description: 'Discarded', ...json(deadLetterSchema) },
      409: { description: 'Not open, or the workflow holding it is not waiting for a decision' },
    },
  }),
};

/** Dead-letter inspection, replay (one or in bulk) and discard. */
export function deadLetterRoutes(deps: ApiDependencies) {
  const app = openApiRouter();
  const openOne = async (id: string) => {
    const row = await findDeadLetter(deps.db, id);
    if (!row) throw problems.notFound(`No dead letter "${id}".`);
    if (row.status !== 'open') throw problems.conflict(`Dead letter ${id} is ${row.status}, not open.`);
    return row;
  };
  app.openapi(routes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const rows = await listDeadLetters(
      deps.db,
      filter,
      limit,
      cursor ? decodeCursor(cursor, cursorKeys.id)[0] : undefined,
    );
    return c.json(
      toPage(rows, limit, (r) => [r.id], deadLetterView),
      200,
    );
  });
  app.openapi(routes.bulkReplay, async (c) => {
    const filter = c.req.valid('query');
    const request = c.req.valid('json') ?? {};
    const count = await replayMany(deps, await openDeadLetters(deps.db, filter), request);
    return c.json({ count }, 200);
  });
  app.openapi(routes.get, async (c) => {
    const row = await findDeadLetter(deps.db, c.req.valid('param').id);
    if (!row) throw problems.notFound(`No dead letter "${c.req.valid('param').id}".`);
    return c.json(deadLetterView(row), 200);
  });
  const refused = (id: string, reason: string) =>
    problems.conflict(`Dead letter ${id} cannot be decided now: ${reason}.`);
  app.openapi(routes.replay, async (c) => {
    const row = await openOne(c.req.valid('param').id);
    const result = await replayDeadLetter(deps, row, c.req.valid('json') ?? {});
    if (result.kind === 'refused') throw refused(row.id, result.reason);
    return c.json({ id: row.id, workflowId: result.workflowId, status: 'replaying' as const }, 202);
  });
  app.openapi(routes.discard, async (c) => {
    const row = await openOne(c.req.valid('param').id);
    const result = await discardDeadLetter(deps, row, c.req.valid('json') ?? {});
    if (result.kind === 'refused') throw refused(row.id, result.reason);
    // Written by the workflow before it answered.
    return c.json(deadLetterView((await findDeadLetter(deps.db, row.id))!), 200);
  });
  return app;
}
