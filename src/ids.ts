import { createHash, randomBytes } from 'node:crypto';

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

/** The 10-character time part of a ULID: milliseconds since the epoch, big-endian Crockford base32. */
function ulidTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i += 1) {
    out = CROCKFORD[ms % 32]! + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

/**
 * A new time-ordered id with the given prefix, e.g. `sub_01j…`: a lower-case ULID (48-bit time, 80
 * random bits). Built here from one 10-byte read of the CSPRNG: the `ulid` package reads it once per
 * character, which showed in the worker's profile (several ids per event).
 */
export function newId(prefix: 'sub' | 'dlv' | 'dlq' | 'att'): string {
  return `${prefix}_${newUlid()}`;
}

/** A lower-case ULID. */
export function newUlid(): string {
  return `${ulidTime(Date.now())}${base32(randomBytes(10))}`;
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
