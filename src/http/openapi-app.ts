import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { zodProblem } from './problem.js';
import { problemSchema } from '../contracts/ingress.js';

/** An OpenAPIHono router whose validation failures become 400 problem+json with the failing paths. */
export function openApiRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw zodProblem(`The request ${result.target}`, result.error.issues);
    },
  });
}

/** Response entries shared by management routes, for the OpenAPI document. */
const problemContent = { content: { 'application/problem+json': { schema: problemSchema } } };
export const problemResponses = {
  400: { description: 'Invalid request (problem+json with `errors`)', ...problemContent },
  401: { description: 'Missing or wrong bearer token', ...problemContent },
  404: { description: 'Not found', ...problemContent },
} as const;
