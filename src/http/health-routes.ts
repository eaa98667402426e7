import { sql } from 'drizzle-orm';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { Hono } from 'hono';
import { problemSchema } from '../contracts/ingress.js';
import type { ApiDependencies, AppEnv } from './context.js';

const CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `/healthz` (process alive) and `/readyz` (Postgres and Temporal reachable, worker-independent). */
export function healthRoutes(deps: Pick<ApiDependencies, 'db' | 'temporal' | 'config'>) {
  // With spillover on, ingress takes webhooks into the outbox while Temporal is away: still ready.
  const spills = deps.config.INGRESS_SPILLOVER_AFTER !== null;
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    const checks = {
      postgres: withTimeout(deps.db.execute(sql`select 1`), CHECK_TIMEOUT_MS),
      temporal: withTimeout(deps.temporal.connection.workflowService.getSystemInfo({}), CHECK_TIMEOUT_MS),
    };
    const results = await Promise.allSettled(Object.values(checks));
    const names = Object.keys(checks);
    const failed = names.filter(
      (name, i) =>
        results[i]!.status === 'rejected' && !(name === 'temporal' && spills && results[0]!.status === 'fulfilled'),
    );
    const detail = Object.fromEntries(
      names.map((name, i) => {
        const r = results[i]!;
        return [name, r.status === 'fulfilled' ? 'ok' : `unreachable: ${(r.reason as Error).message}`];
      }),
    );
    if (failed.length === 0) {
      if (detail.temporal !== 'ok') detail.temporal += ' (ingress spills to the PostgreSQL outbox)';
      return c.json({ status: 'ready', checks: detail });
    }
    return c.json(
      {
        type: 'https://hookflow.dev/problems/not-ready',
        title: 'Not ready',
        status: 503,
        detail: `Unreachable: ${failed.join(', ')}.`,
        failed,
        checks: detail,
        traceId: c.get('traceId'),
      },
      503,
      { 'content-type': 'application/problem+json' },
    );
  });
  return app;
}

/** Adds `/healthz` and `/readyz` to the OpenAPI document. */
export function documentHealth(app: OpenAPIHono<AppEnv>): void {
  const checks = z.object({ postgres: z.string(), temporal: z.string() });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/healthz',
    tags: ['Operations'],
    summary: 'Liveness (no dependencies)',
    responses: {
      200: { description: 'Alive', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/readyz',
    tags: ['Operations'],
    summary: 'Readiness: PostgreSQL and Temporal reachable',
    responses: {
      200: {
        description: 'Ready',
        content: { 'application/json': { schema: z.object({ status: z.literal('ready'), checks }) } },
      },
      503: {
        description: 'Not ready; `failed` names the dependency',
        content: {
          'application/problem+json': { schema: problemSchema.extend({ failed: z.array(z.string()), checks }) },
        },
      },
    },
  });
}
