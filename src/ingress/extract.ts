import type { Extraction } from '../db/schema.js';
import { readJsonPointer } from '../domain/json-pointer.js';
import type { SignedRequest } from '../schemes/types.js';

/** Reads a string from the header or JSON pointer a source configured; numbers are stringified. */
export function extractValue(extraction: Extraction, request: SignedRequest, body: unknown): string | undefined {
  const value =
    'header' in extraction
      ? request.header(extraction.header.toLowerCase())
      : readJsonPointer(body, extraction.pointer);
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
