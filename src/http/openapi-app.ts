import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { zodProblem } from './problem.js';

/** An OpenAPIHono router whose validation failures become 400 problem+json with the failing paths. */
export function openApiRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw zodProblem(`The request ${result.target}`, result.error.issues);
    },
  });
}

/** Response entries shared by management routes, for the OpenAPI document. */
export const problemResponses = {
  400: { description: 'Invalid request (problem+json with `errors`)' },
  401: { description: 'Missing or wrong bearer token' },
  404: { description: 'Not found' },
} as const;
