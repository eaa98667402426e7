// The ordered phase's events: distinct courier events signed with `hmac-sha256`, and where the order
// they arrived in broke the order they were accepted in.
import { signPartnerRequest } from '../../../src/schemes/index.js';
import type { LoadRequest } from '../../runner/http-load.js';

/** `count` courier events signed with the generic HMAC scheme (`hmac-sha256`), all distinct. */
export function courierRequests(sourceId: string, secret: string, count: number, tag: string): LoadRequest[] {
  return Array.from({ length: count }, (_, i) => {
    const body = JSON.stringify({
      eventId: `${tag}-${i}`,
      eventType: 'shipment.delivered',
      occurredAt: new Date().toISOString(),
      source: 'bench-courier',
      idempotencyKey: `${tag}-${i}`,
      payload: { shipmentId: `shp_${i}`, sequence: i, note: 'x'.repeat(200) },
    });
    return {
      path: `/v1/webhooks/${sourceId}`,
      headers: signPartnerRequest({ scheme: 'hmac-sha256', secret, body }),
      body,
    };
  });
}

/** Positions i where `arrivals[i]` was accepted before `arrivals[i-1]` (ids missing from `rank` are skipped). */
export function countOrderViolations(arrivals: string[], rank: Map<string, number>): number {
  let violations = 0;
  for (let i = 1; i < arrivals.length; i++) {
    const previous = rank.get(arrivals[i - 1]!);
    const current = rank.get(arrivals[i]!);
    if (previous !== undefined && current !== undefined && current < previous) violations++;
  }
  return violations;
}

/** The middle of `values` (the upper one of an even count); 0 when there are none. */
export const median = (values: number[]) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
