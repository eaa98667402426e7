// What the spillover phase reads from PostgreSQL while it runs: the ingress outbox's depth (rows the
// relay has not started yet) and what the database's other client backends are doing meanwhile.
import type postgres from 'postgres';

const POLL_MS = 50;
/** Give up waiting for the outbox to empty when its depth has not gone down for this long. */
const DRAIN_STALL_MS = 60_000;

/** The mean number of client backends per state while the load ran (`active:cpu`, `active:<wait>`, `idle`…). */
export type BackendStates = Record<string, number>;

const round1 = (n: number) => Math.round(n * 10) / 10;

export interface OutboxWatch {
  /** Rows of the task queue the relay has not started (a started row stays until its workflow has recorded the event). */
  depth(): Promise<number>;
  /** Polls the depth until it is 0 or has not gone down for DRAIN_STALL_MS; resolves with when it stopped. */
  untilEmpty(): Promise<{ at: number; emptied: boolean }>;
  /** Samples the depth and the backends every POLL_MS (one query at a time) until `stop()`. */
  sampleWhileLoading(): { stop(): Promise<{ peakDepth: number; backends: BackendStates }> };
}

/**
 * The outbox rows of `taskQueue` only: an earlier phase's slow starts spilled too, naming its own
 * (unpolled) task queue, and no relay takes those (a relay claims only its own namespace and task queue).
 */
export function watchOutbox(sql: postgres.Sql, taskQueue: string): OutboxWatch {
  const depth = async () =>
    (
      await sql<
        { n: number }[]
      >`select count(*)::int as n from ingress_outbox where task_queue = ${taskQueue} and started_at is null`
    )[0]!.n;
  const untilEmpty = async (): Promise<{ at: number; emptied: boolean }> => {
    let lowest = Infinity;
    let lowestAt = Date.now();
    for (;;) {
      const n = await depth();
      if (n === 0) return { at: performance.now(), emptied: true };
      if (n < lowest) {
        lowest = n;
        lowestAt = Date.now();
      } else if (Date.now() - lowestAt > DRAIN_STALL_MS) {
        return { at: performance.now(), emptied: false };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  };
  // Also what PostgreSQL's other client backends are doing (to see whether they wait on a lock or WAL flush).
  const sampleWhileLoading = () => {
    let polling = true;
    let peakDepth = 0;
    const states = new Map<string, number>();
    let samples = 0;
    const poller = (async () => {
      while (polling) {
        peakDepth = Math.max(peakDepth, await depth());
        const rows = await sql<{ what: string; n: number }[]>`
          select case when state = 'active' then 'active:' || coalesce(wait_event_type || '/' || wait_event, 'cpu')
                      else coalesce(state, '?') end as what, count(*)::int as n
          from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid() group by 1`;
        for (const row of rows) states.set(row.what, (states.get(row.what) ?? 0) + row.n);
        samples++;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    })();
    return {
      async stop() {
        polling = false;
        await poller;
        const backends = Object.fromEntries(
          [...states]
            .map(([what, n]) => [what, round1(n / Math.max(1, samples))] as const)
            .filter(([, mean]) => mean > 0)
            .sort((a, b) => b[1] - a[1]),
        );
        return { peakDepth, backends };
      },
    };
  };
  return { depth, untilEmpty, sampleWhileLoading };
}
