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

export interface VerificationScheme {
  name: string;
  verify(input: VerificationInput): Verification;
  defaultIdempotencyKey(request: SignedRequest, body: unknown): string | undefined;
  defaultEventType(request: SignedRequest, body: unknown): string | undefined;
}
