import type { OutboundRequest, OutboundResponse } from '../delivery/http-client.js';

/** What a processor may use: the one outbound HTTP client (SSRF-guarded), nothing else. */
export interface ProcessorContext {
  fetch(request: Omit<OutboundRequest, 'timeoutMs' | 'maxResponseBytes'>): Promise<OutboundResponse>;
}

/** A processor turns an inbound payload into what subscribers receive. One file per processor. */
export interface Processor {
  name: string;
  process(payload: unknown, options: Record<string, unknown>, context: ProcessorContext): Promise<unknown>;
}

/** A processing failure that retrying cannot fix (bad config, a 4xx from the resolver). */
export class ProcessingRejected extends Error {
  override name = 'ProcessingRejected';
}
