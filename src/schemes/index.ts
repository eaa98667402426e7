import { randomUUID } from 'node:crypto';
import type { SchemeName } from '../domain/vocabulary.js';
import { githubScheme } from './github.js';
import { hmacSha256Scheme } from './hmac-sha256.js';
import { shopifyScheme } from './shopify.js';
import { standardWebhooksScheme } from './standard-webhooks.js';
import { stripeScheme } from './stripe.js';
import type { SignatureScheme } from './types.js';

/** The signature schemes (README "Receive webhooks (ingress)"), by name. */
export const schemes: Record<SchemeName, SignatureScheme> = {
  'standard-webhooks': standardWebhooksScheme,
  stripe: stripeScheme,
  github: githubScheme,
  shopify: shopifyScheme,
  'hmac-sha256': hmacSha256Scheme,
};

export interface PartnerRequest {
  scheme: SchemeName;
  secret: string;
  body: string;
  /** Delivery id for schemes that carry one in a header (standard-webhooks, github, shopify). */
  id?: string | undefined;
  /** Event type for schemes that carry it in a header (github, shopify). */
  eventType?: string | undefined;
  timestampSeconds?: number | undefined;
}

/** The headers a partner sends with `body`, signed by its scheme: used by `hookflow send`, tests and benchmarks. */
export function signPartnerRequest(request: PartnerRequest): Record<string, string> {
  const signed = schemes[request.scheme].sign({
    secret: request.secret,
    body: request.body,
    id: request.id ?? `msg_${randomUUID()}`,
    eventType: request.eventType,
    timestampSeconds: request.timestampSeconds ?? Math.floor(Date.now() / 1000),
  });
  return { 'content-type': 'application/json', ...signed };
}

export { schemeNames, type SchemeName } from '../domain/vocabulary.js';
export type { SignatureScheme, SignedRequest } from './types.js';
