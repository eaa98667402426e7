import type { SchemeName } from '../domain/vocabulary.js';

/** What a scheme sees of an inbound request: lower-cased headers and the untouched body bytes. */
export interface SignedRequest {
  header(name: string): string | undefined;
  rawBody: Buffer;
  nowSeconds: number;
}

export interface VerificationInput extends SignedRequest {
  /** Every secret valid right now (current first, then unexpired previous ones). */
  secrets: string[];
  toleranceSeconds: number;
}

/** `reason` is shown to the sender: it says what is wrong, never what was expected. */
export type Verification = { ok: true } | { ok: false; reason: string };

/** What a partner signs: the body and, for schemes that carry them, a delivery id and an event type. */
export interface SigningInput {
  secret: string;
  body: Buffer | string;
  id: string;
  eventType?: string | undefined;
  timestampSeconds: number;
}

/** One signature scheme (README "Receive webhooks (ingress)"), both halves: how a partner signs, and how Hookflow verifies. */
export interface SignatureScheme {
  name: SchemeName;
  /** The headers a partner sends (signature, timestamp, id…), not content-type. */
  sign(input: SigningInput): Record<string, string>;
  verify(input: VerificationInput): Verification;
  defaultIdempotencyKey(request: SignedRequest, body: unknown): string | undefined;
  defaultEventType(request: SignedRequest, body: unknown): string | undefined;
}
