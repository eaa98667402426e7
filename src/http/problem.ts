import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** RFC 9457 problem details; `traceId` is added by the error handler. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  [extension: string]: unknown;
}

/** An HTTP error rendered as `application/problem+json` by the app's single error handler. */
export class Problem extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly slug: string,
    readonly title: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(status, { message: detail });
  }

  body(traceId: string): ProblemBody {
    return {
      type: `https://hookflow.dev/problems/${this.slug}`,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...this.extensions,
      traceId,
    };
  }
}

export const problems = {
  notFound: (detail: string) => new Problem(404, 'not-found', 'Not found', detail),
  payloadTooLarge: (limit: number) =>
    new Problem(
      413,
      'payload-too-large',
      'Payload too large',
      `The body exceeds this source's limit of ${limit} bytes.`,
      { limitBytes: limit },
    ),
  unsupportedMediaType: (got: string | undefined) =>
    new Problem(
      415,
      'unsupported-media-type',
      'Unsupported media type',
      `Expected application/json or application/*+json, got ${got ? JSON.stringify(got.slice(0, 100)) : 'no content-type'}.`,
    ),
  unauthorized: (detail: string) => new Problem(401, 'invalid-signature', 'Signature verification failed', detail),
  unauthenticated: (detail: string) =>
    new Problem(401, 'unauthenticated', 'Authentication required', detail, {}, { 'www-authenticate': 'Bearer' }),
  badRequest: (detail: string, errors?: { path: string; message: string }[]) =>
    new Problem(400, 'invalid-request', 'Invalid request', detail, errors ? { errors } : {}),
  conflict: (detail: string) => new Problem(409, 'conflict', 'Conflict', detail),
  transformFailed: (detail: string) =>
    new Problem(422, 'transform-failed', 'Transformation failed', `The subscription's transform failed: ${detail}`),
  rateLimited: (retryAfterSeconds: number) =>
    new Problem(
      429,
      'rate-limited',
      'Too many requests',
      `This source is over its rate limit; retry in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    ),
  internal: () => new Problem(500, 'internal-error', 'Internal Server Error', 'An unexpected error occurred.'),
  headersTooLarge: () =>
    new Problem(
      431,
      'headers-too-large',
      'Request header fields too large',
      'The request headers exceed the server limit.',
    ),
  malformedRequest: () =>
    new Problem(400, 'malformed-request', 'Malformed request', 'The request could not be parsed as HTTP.'),
  unavailable: (dependency: string, retryAfterSeconds: number) =>
    new Problem(
      503,
      'unavailable',
      'Service unavailable',
      `${dependency} is unreachable; nothing was accepted. Retry in ${retryAfterSeconds} s.`,
      { retryAfterSeconds },
      { 'retry-after': String(retryAfterSeconds) },
    ),
};

/** The headers a problem answer carries: its own (e.g. `retry-after`) and the problem+json media type. */
export function problemHeaders(problem: Problem): Record<string, string> {
  return { ...problem.headers, 'content-type': 'application/problem+json' };
}

/** Converts zod issues into the `errors` list of a 400 problem. */
export function zodProblem(
  what: string,
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
): Problem {
  const errors = issues.map((issue) => ({ path: '/' + issue.path.map(String).join('/'), message: issue.message }));
  return problems.badRequest(
    `${what} failed validation: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}`,
    errors,
  );
}
