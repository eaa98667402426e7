// Minutes of ingest: the soak's time axis (the memory samples, the minute rows, heap snapshots and
// unexpected exits are all placed on it).

/** `n` rounded to `digits` decimals; undefined for undefined or a non-finite number. */
export const roundTo = (n: number | undefined, digits = 2) =>
  n === undefined || !Number.isFinite(n) ? undefined : Math.round(n * 10 ** digits) / 10 ** digits;

export interface IngestClock {
  /** `Date.now()` when ingest started (until then, when the processes were up). */
  startedAt: number;
  /** Minutes since `startedAt`, rounded to `digits` decimals. */
  minutes(digits: number): number;
}

export function ingestClock(): IngestClock {
  const clock: IngestClock = {
    startedAt: Date.now(),
    minutes: (digits) => roundTo((Date.now() - clock.startedAt) / 60_000, digits)!,
  };
  return clock;
}
