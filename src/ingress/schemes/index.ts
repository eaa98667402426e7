import { githubScheme } from './github.js';
import { hmacSha256Scheme } from './hmac-sha256.js';
import { shopifyScheme } from './shopify.js';
import { standardWebhooksScheme } from './standard-webhooks.js';
import { stripeScheme } from './stripe.js';
import type { VerificationScheme } from './types.js';

export const schemeNames = ['standard-webhooks', 'stripe', 'github', 'shopify', 'hmac-sha256'] as const;
export type SchemeName = (typeof schemeNames)[number];

/** The verification schemes of SPEC §4.2, by name. */
export const schemes: Record<SchemeName, VerificationScheme> = {
  'standard-webhooks': standardWebhooksScheme,
  stripe: stripeScheme,
  github: githubScheme,
  shopify: shopifyScheme,
  'hmac-sha256': hmacSha256Scheme,
};

export type { SignedRequest, VerificationScheme } from './types.js';
