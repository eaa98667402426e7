import type { TestStack } from './stack.js';

/** Calls the management API of a test stack with its bearer key; returns status, headers and parsed body. */
export async function manage(
  stack: Pick<TestStack, 'url' | 'managementKey'>,
  method: string,
  path: string,
  body?: unknown,
  key: string | null = stack.managementKey,
) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined, text };
}
