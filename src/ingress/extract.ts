import type { Extraction } from '../db/schema.js';
import type { SignedRequest } from './schemes/types.js';

/** Resolves an RFC 6901 JSON pointer (`/data/id`) against a parsed body. */
export function readJsonPointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  if (!pointer.startsWith('/')) return undefined;
  let current: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof current !== 'object' || current === null) return undefined;
    if (Array.isArray(current)) {
      if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
      current = current[Number(token)];
    } else {
      if (!Object.hasOwn(current, token)) return undefined;
      current = (current as Record<string, unknown>)[token];
    }
  }
  return current;
}

/** Reads a string from the header or JSON pointer a source configured; numbers are stringified. */
export function extractValue(extraction: Extraction, request: SignedRequest, body: unknown): string | undefined {
  const value = 'header' in extraction ? request.header(extraction.header.toLowerCase()) : readJsonPointer(body, extraction.pointer);
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
