import { storedInboundHeaders } from '../domain/vocabulary.js';
import type { SourceSecret } from '../db/schema.js';

const JSON_MEDIA_TYPE = /^application\/(?:json|[A-Za-z0-9!#$&^_.-]+\+json)$/i;

/** `application/json` or `application/*+json`, parameters (charset…) allowed. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  return JSON_MEDIA_TYPE.test(header.split(';')[0]!.trim());
}

/** Secrets valid at `now`: the current one plus previous ones still inside their grace window. */
export function activeSecrets(secrets: SourceSecret[], now: Date): string[] {
  return secrets.filter((s) => s.expiresAt === null || new Date(s.expiresAt) > now).map((s) => s.value);
}

/** The inbound headers stored with an event (a fixed allowlist, each capped at 512 characters). */
export function selectStoredHeaders(header: (name: string) => string | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of storedInboundHeaders) {
    const value = header(name);
    if (value !== undefined) kept[name] = value.slice(0, 512);
  }
  return kept;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * What valid JSON PostgreSQL's jsonb (and our pipeline) still cannot take: NUL characters, lone
 * surrogates, and nesting deeper than `maxDepth`. Refused at ingress, before anything is accepted.
 */
export function unstorableJsonProblem(value: unknown, maxDepth = 64): string | undefined {
  const stack: [unknown, number, string][] = [[value, 0, '']];
  while (stack.length > 0) {
    const [node, depth, path] = stack.pop()!;
    if (depth > maxDepth) return `body nests deeper than ${maxDepth} levels (at ${path.slice(0, 200)})`;
    if (typeof node === 'string') {
      if (node.includes('\u0000')) return `body contains a NUL character (\\u0000) at ${path || '/'}`;
      if (LONE_SURROGATE.test(node)) return `body contains an unpaired UTF-16 surrogate at ${path || '/'}`;
    } else if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push([item, depth + 1, `${path}/${i}`]));
    } else if (node !== null && typeof node === 'object') {
      for (const [key, item] of Object.entries(node)) {
        if (key.includes('\u0000') || LONE_SURROGATE.test(key))
          return `body has an object key PostgreSQL cannot store at ${path || '/'}`;
        stack.push([item, depth + 1, `${path}/${key}`]);
      }
    }
  }
  return undefined;
}
