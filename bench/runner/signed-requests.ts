import { signPartnerRequest } from '../../src/schemes/index.js';
import type { LoadRequest } from './http-load.js';

/** How many distinct events `signedRequests` makes out of `count` requests. */
export const uniqueOf = (count: number) => Math.round(count * 0.9);

/** A ~300-byte `order.paid` JSON event, the body every benchmark's Standard Webhooks requests carry. */
export function orderPaidBody(i: number): string {
  return JSON.stringify({
    type: 'order.paid',
    timestamp: new Date().toISOString(),
    data: { orderId: `ord_${i}`, amount: 1999, currency: 'EUR', note: 'x'.repeat(200) },
  });
}

/** Event `i` of `tag` for one source, signed with Standard Webhooks (`webhook-id: msg_<tag>_<i>`). */
export function signedEvent(sourceId: string, secret: string, i: number, tag: string): LoadRequest {
  const body = orderPaidBody(i);
  return {
    path: `/v1/webhooks/${sourceId}`,
    headers: signPartnerRequest({ scheme: 'standard-webhooks', secret, body, id: `msg_${tag}_${i}` }),
    body,
  };
}

/** `count` distinct signed events for one source, in order. */
export function distinctSignedEvents(sourceId: string, secret: string, count: number, tag: string): LoadRequest[] {
  return Array.from({ length: count }, (_, i) => signedEvent(sourceId, secret, i, tag));
}

/** Requests for one source: `unique` signed events plus exact repeats of 10% of them, shuffled in. */
export function signedRequests(
  sourceId: string,
  secret: string,
  count: number,
  tag: string,
): { requests: LoadRequest[]; unique: number } {
  const unique = uniqueOf(count);
  const requests = distinctSignedEvents(sourceId, secret, unique, tag);
  for (let i = 0; i < count - unique; i++) {
    const copy = requests[Math.floor((i * 9973) % unique)]!;
    requests.splice(Math.min(requests.length, unique / 10 + i * 9), 0, { ...copy });
  }
  return { requests, unique };
}

/** `count` distinct signed requests (the duplicates `signedRequests` shuffles in are left out). */
export function uniqueSignedRequests(sourceId: string, secret: string, count: number, tag: string): LoadRequest[] {
  const byId = new Map<string, LoadRequest>();
  for (const request of signedRequests(sourceId, secret, Math.ceil(count / 0.9) + 1, tag).requests) {
    if (!byId.has(request.headers['webhook-id']!)) byId.set(request.headers['webhook-id']!, request);
  }
  return [...byId.values()].slice(0, count);
}
