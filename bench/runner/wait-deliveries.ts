export interface WaitOptions {
  /** Give up when the count has not moved for this long (default 90 s). */
  stallMs?: number;
  /** Give up after this long in any case (default 40 min). */
  deadlineMs?: number;
  log?: (line: string) => void;
  label?: string;
}

/**
 * Polls `confirmed()` every 100 ms until it reaches `expected`, or until nothing has progressed for
 * `stallMs` (what is still missing then counts as lost); resolves with the final count.
 */
export async function waitForDeliveries(
  confirmed: () => number,
  expected: number,
  options: WaitOptions = {},
): Promise<number> {
  const stallMs = options.stallMs ?? 90_000;
  const hardDeadline = Date.now() + (options.deadlineMs ?? 40 * 60_000);
  let lastCount = -1;
  let lastProgress = Date.now();
  let lastReport = Date.now();
  let done: number;
  while ((done = confirmed()) < expected && Date.now() < hardDeadline && Date.now() - lastProgress < stallMs) {
    if (done !== lastCount) {
      lastCount = done;
      lastProgress = Date.now();
    }
    await new Promise((r) => setTimeout(r, 100));
    if (options.log && Date.now() - lastReport > 30_000) {
      options.log(`  ${options.label ?? 'deliveries'}: ${done}/${expected} confirmed`);
      lastReport = Date.now();
    }
  }
  return done;
}
