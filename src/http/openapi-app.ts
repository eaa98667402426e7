import { createRoute, OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { zodProblem } from './problem.js';
import { problemSchema } from '../contracts/ingress.js';
import { security } from './route-helpers.js';

/** An OpenAPIHono router whose validation failures become 400 problem+json with the failing paths. */
export function openApiRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw zodProblem(`The request ${result.target}`, result.error.issues);
    },
  });
}

/** Response entries shared by management routes, for the OpenAPI document. */
export const problemContent = { content: { 'application/problem+json': { schema: problemSchema } } };
export const problemResponses = {
  400: { description: 'Invalid request (problem+json with `errors`)', ...problemContent },
  401: { description: 'Missing or wrong bearer token', ...problemContent },
  404: { description: 'Not found', ...problemContent },
} as const;

/**
 * Declares the management routes of one tag: each gets the bearer security and the shared problem
 * responses, so a route block names only what is its own (method, path, summary, request, answers).
 */
export function managementRoutesOf(tags: string[]) {
  return <const R extends Omit<RouteConfig, 'tags' | 'security'>>(route: R) =>
    createRoute({ ...route, tags, security, responses: { ...route.responses, ...problemResponses } });
}
