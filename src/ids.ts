import { createHash } from 'node:crypto';
import { ulid } from 'ulid';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out;
}

/** A new time-ordered id with the given prefix, e.g. `sub_01j…`. */
export function newId(prefix: 'sub' | 'dlv' | 'dlq' | 'att'): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

/**
 * The event id is derived from (sourceId, idempotencyKey) so a duplicate can name the original
 * event without a database lookup, even after Temporal's retention has forgotten the workflow.
 */
export function eventIdFor(sourceId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${sourceId}\n${idempotencyKey}`).digest();
  return `evt_${base32(digest.subarray(0, 16))}`;
}

const SAFE_KEY = /^[A-Za-z0-9._:-]{1,200}$/;

/** Keys that are too long or contain characters outside `[A-Za-z0-9._:-]` become `sha256:<hex>`. */
export function normaliseIdempotencyKey(key: string): string {
  return SAFE_KEY.test(key) ? key : `sha256:${createHash('sha256').update(key).digest('hex')}`;
}
