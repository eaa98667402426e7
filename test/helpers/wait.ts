/**
 * Ceilings are 4× longer in the cache-less project (vitest.config.ts): there SDK 1.24 drops a local
 * activity's result when its run is evicted, and the run goes on only after a workflow-task timeout
 * (10 s), sometimes more than once. The outcome asserted is the same; only the wait for it is longer.
 */
const ceilingScale = process.env.TEST_WORKER_MAX_CACHED_WORKFLOWS === '0' ? 4 : 1;

/**
 * Polls `check` until it returns a truthy value or the timeout passes. `what` names the condition in
 * the timeout's error; as a function it is read at the timeout, so it can report the state then
 * (a process's output so far), not the state when the wait began.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | null | false>,
  {
    timeoutMs: ceilingMs = 20_000,
    intervalMs = 100,
    what = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  const timeoutMs = ceilingMs * ceilingScale;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  const described = typeof what === 'function' ? what() : what;
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${described}${last ? `: ${String(last)}` : ''}`);
}

/**
 * Polls `measure` until `done` holds for its value, failing only when the value has not changed for
 * `stallMs`: for long drains whose total time depends on how loaded the machine is, not on the product.
 */
export async function waitForProgress(
  measure: () => Promise<number>,
  done: (value: number) => boolean,
  { stallMs = 60_000, intervalMs = 500, what = 'progress' } = {},
): Promise<void> {
  let value = await measure();
  let changedAt = Date.now();
  while (!done(value)) {
    if (Date.now() - changedAt > stallMs)
      throw new Error(`no progress for ${stallMs} ms waiting for ${what} (at ${value})`);
    await new Promise((r) => setTimeout(r, intervalMs));
    const next = await measure();
    if (next !== value) changedAt = Date.now();
    value = next;
  }
}
