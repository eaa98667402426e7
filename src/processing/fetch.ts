import { z } from 'zod';
import { classifyResponse } from '../delivery/outcome.js';
import { readJsonPointer } from '../domain/json-pointer.js';
import { ProcessingRejected, type Processor } from './processor.js';

/** `{ "name": "fetch", "url": "https://api.x/emails/{/data/id}", "headers": { "authorization": "Bearer …" } }` */
export const fetchProcessorOptions = z.object({
  name: z.literal('fetch'),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).default({}),
  /** Where the fetched document goes: replace the payload (default) or set it at `into` beside it. */
  into: z.string().optional(),
});

/** Fills `{/json/pointer}` placeholders from the payload, URL-encoded. */
export function expandUrlTemplate(template: string, payload: unknown): string {
  return template.replace(/\{(\/[^}]*)\}/g, (_, pointer: string) => {
    const value = readJsonPointer(payload, pointer);
    if (typeof value !== 'string' && typeof value !== 'number')
      throw new ProcessingRejected(`payload has no value at ${pointer} for the fetch URL`);
    return encodeURIComponent(String(value));
  });
}

/**
 * Resolves a pointer payload (e.g. an inbound-email notification carrying only an id) by GET-ing
 * the full document at consume time.
 */
export const fetchProcessor: Processor = {
  name: 'fetch',
  async process(payload, rawOptions, context) {
    const parsed = fetchProcessorOptions.safeParse(rawOptions);
    if (!parsed.success) throw new ProcessingRejected(`invalid fetch processor options: ${parsed.error.message}`);
    const options = parsed.data;
    const response = await context.fetch({
      method: 'GET',
      url: expandUrlTemplate(options.url, payload),
      headers: { accept: 'application/json', ...options.headers },
    });
    // Same classification as deliveries: 408/425/429/5xx are worth retrying, other non-2xx are not.
    const outcome = classifyResponse(response.status, undefined);
    if (outcome.kind === 'rejected') throw new ProcessingRejected(`fetch answered ${response.status}`);
    if (outcome.kind === 'retryable') throw new Error(`fetch answered ${response.status}`);
    if (response.truncated) throw new ProcessingRejected('fetched document exceeds the size limit');
    let document: unknown;
    try {
      document = JSON.parse(response.body.toString('utf8'));
    } catch {
      throw new ProcessingRejected('fetched document is not JSON');
    }
    if (!options.into) return document;
    return { ...(payload as Record<string, unknown>), [options.into]: document };
  },
};
