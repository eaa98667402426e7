import { z } from '@hono/zod-openapi';
import {
  createSource,
  deleteSource,
  findSource,
  listSources,
  rotateSourceSecret,
  sourceView,
  updateSource,
} from '../management/sources.js';
import type { ApiDependencies } from './context.js';
import { managementRoutesOf, openApiRouter } from './openapi-app.js';
import { cursorKeys, decodeCursor, pageOf, pageQuerySchema, toPage } from './pagination.js';
import { problems } from './problem.js';
import {
  createSourceSchema,
  rotateSourceSecretSchema,
  sourceIdSchema,
  sourceSchema,
  updateSourceSchema,
} from '../contracts/sources.js';

const json = <T extends z.ZodTypeAny>(schema: T) => ({ content: { 'application/json': { schema } } });
const idParam = z.object({ id: sourceIdSchema.openapi({ param: { name: 'id', in: 'path' } }) });
const route = managementRoutesOf(['Sources']);

const routes = {
  create: route({
    method: 'post',
    path: '/',
    summary: 'Create a source',
    request: { body: { ...json(createSourceSchema), required: true } },
    responses: {
      201: { description: 'Created (secret omitted)', ...json(sourceSchema) },
      409: { description: 'Id taken' },
    },
  }),
  list: route({
    method: 'get',
    path: '/',
    summary: 'List sources',
    request: { query: pageQuerySchema },
    responses: { 200: { description: 'A page of sources', ...json(pageOf(sourceSchema)) } },
  }),
  get: route({
    method: 'get',
    path: '/{id}',
    summary: 'Get a source',
    request: { params: idParam },
    responses: { 200: { description: 'The source', ...json(sourceSchema) } },
  }),
  update: route({
    method: 'patch',
    path: '/{id}',
    summary: 'Update a source',
    request: { params: idParam, body: { ...json(updateSourceSchema), required: true } },
    responses: { 200: { description: 'Updated', ...json(sourceSchema) } },
  }),
  remove: route({
    method: 'delete',
    path: '/{id}',
    summary: 'Delete a source',
    request: { params: idParam },
    responses: { 204: { description: 'Deleted' } },
  }),
  rotate: route({
    method: 'post',
    path: '/{id}/rotate-secret',
    summary: 'Rotate the signing secret',
    description: 'The new secret is current at once; the previous one stays valid for the grace window.',
    request: { params: idParam, body: { ...json(rotateSourceSecretSchema), required: true } },
    responses: { 200: { description: 'Rotated', ...json(sourceSchema) } },
  }),
};

/** Management routes for sources (the management API, README "Operate it"). Secrets are write-only. */
export function sourceRoutes(deps: ApiDependencies) {
  const app = openApiRouter();
  const notFound = (id: string) => problems.notFound(`No source "${id}".`);
  const changed = (id: string) => deps.sources.invalidate(id);

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid('json');
    const row = await createSource(deps.db, body);
    if (!row) throw problems.conflict(`A source "${body.id}" already exists.`);
    changed(row.id);
    c.get('logger').info({ event: 'source_created', sourceId: row.id, scheme: row.scheme }, 'source created');
    return c.json(sourceView(row), 201);
  });
  app.openapi(routes.list, async (c) => {
    const { limit, cursor } = c.req.valid('query');
    const after = cursor ? decodeCursor(cursor, cursorKeys.id)[0] : undefined;
    const rows = await listSources(deps.db, limit, after);
    return c.json(
      toPage(rows, limit, (r) => [r.id], sourceView),
      200,
    );
  });
  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const row = await findSource(deps.db, id);
    if (!row) throw notFound(id);
    return c.json(sourceView(row), 200);
  });
  app.openapi(routes.update, async (c) => {
    const { id } = c.req.valid('param');
    const row = await updateSource(deps.db, id, c.req.valid('json'));
    if (!row) throw notFound(id);
    changed(id);
    return c.json(sourceView(row), 200);
  });
  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deleteSource(deps.db, id))) throw notFound(id);
    changed(id);
    return c.body(null, 204);
  });
  app.openapi(routes.rotate, async (c) => {
    const { id } = c.req.valid('param');
    const { secret, graceSeconds } = c.req.valid('json');
    const graceMs = graceSeconds === undefined ? deps.config.SECRET_ROTATION_GRACE : graceSeconds * 1000;
    const row = await rotateSourceSecret(deps.db, id, secret, graceMs);
    if (!row) throw notFound(id);
    changed(id);
    c.get('logger').info({ event: 'source_secret_rotated', sourceId: id, graceMs }, 'source secret rotated');
    return c.json(sourceView(row), 200);
  });
  return app;
}
