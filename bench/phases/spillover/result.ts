// The spillover phase's result: what goes into the results file under `spillover`, and its `[bench]` lines.

/** The targets for this phase. */
export const SPILLOVER_TARGETS = { spilloverRatio: 2, p95Ms: 60 } as const;

export interface CpuShares {
  apiPct: number;
  workerPct: number;
  postgresPct: number;
  temporalServerPct: number;
  benchAndSubscriberPct: number;
  /** The whole machine (every process, all cores; 100 = one core busy) and the part none of the above used. */
  machinePct: number;
  otherProcessesPct: number;
  /** Cores idle waiting for disk I/O (100 = one core). */
  iowaitPct: number;
}

export interface SpilloverPhaseResult {
  requests: number;
  concurrency: number;
  spillAfterMs: 0;
  /** 202 answers with `"spilled": true`. */
  accepted: number;
  /** Every answer was 202 with `"spilled": true`. */
  allSpilled: boolean;
  statuses: Record<string, number>;
  /** 202 answers without `spilled: true` (must be 0 with INGRESS_SPILLOVER_AFTER=0). */
  acceptedNotSpilled: number;
  errors: number;
  sendSeconds: number;
  spilloverAcceptedPerSec: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  baselineTemporalStartsPerSec: number;
  spilloverRatio: number;
  direct: { acceptedPerSec: number; p95Ms: number; apiCpuMsPerRequest: number } | null;
  outbox: {
    /** Deepest the outbox was seen during the load (polled every 50 ms). */
    peakDepth: number;
    depthAtLoadEnd: number;
    /** Rows the relay had started and deleted by the end of the load. */
    relayedDuringLoad: number;
    relayedDuringLoadPerSec: number;
    /** From the end of the load until the outbox was empty. */
    drainSeconds: number;
    /** The backlog left at the end of the load ÷ the time it took to empty (the relay's drain rate). */
    relayDrainPerSec: number | null;
    /** Every accepted row ÷ from the first send until the outbox was empty. */
    relayOverallPerSec: number;
    emptied: boolean;
  };
  /** `events` ledger rows for the phase's source, and accepted events missing from them. */
  ledgerRows: number;
  missingFromLedger: number;
  /** Event workflows Temporal's visibility counts for the source (null when the count failed). */
  temporalEventWorkflows: number | null;
  delivered: number;
  lost: number;
  /** Accepted events delivered more than once to the subscriber. */
  processedTwice: number;
  /** From the first send until the last delivery. */
  endToEndSeconds: number;
  loadAverage1m: { before: number; afterLoad: number; afterDrain: number };
  /**
   * PostgreSQL's client backends (API, worker) during the load, sampled every ~50 ms: the average number
   * in each state (`active:cpu`, `active:<wait type>/<wait event>`, `idle`, `idle in transaction`).
   */
  postgresBackendsDuringLoad: Record<string, number>;
  cpuPercentOfOneCore: { load: CpuShares; drain: CpuShares };
  /** The spillover API's CPU per accepted request during the load (ms). */
  apiCpuMsPerRequest: number;
  postgres: {
    fsync: string;
    synchronousCommit: string;
    apiPoolSize: number;
    /** The spill statement alone from the bench (see probeOutboxInserts): inserts/s with its pg_notify, and without. */
    outboxInsertsPerSec: number;
    outboxInsertsWithoutNotifyPerSec: number;
  };
  targets: {
    spilloverRatio: { target: number; met: boolean };
    p95Ms: { target: number; met: boolean };
    lostZero: boolean;
    processedTwiceZero: boolean;
  };
}

/** The `[bench]` lines for a result. */
export function describeSpillover(r: SpilloverPhaseResult): string {
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return (
    `spillover (INGRESS_SPILLOVER_AFTER=0, ${r.requests} req, c=${r.concurrency}): ${r.spilloverAcceptedPerSec}/s accepted, ` +
    `p50 ${r.p50Ms} / p95 ${r.p95Ms} / p99 ${r.p99Ms} ms (max ${r.maxMs}); statuses ${JSON.stringify(r.statuses)}, ` +
    `all spilled ${r.allSpilled}, errors ${r.errors}; spilloverRatio ${r.spilloverRatio} (÷ bare starts ${r.baselineTemporalStartsPerSec}/s, ` +
    `target ≥ ${r.targets.spilloverRatio.target}: ${met(r.targets.spilloverRatio.met)}), p95 target ≤ ${r.targets.p95Ms.target} ms: ${met(r.targets.p95Ms.met)}\n` +
    `[bench] spillover relay: outbox peak ${r.outbox.peakDepth}, ${r.outbox.depthAtLoadEnd} left at load end ` +
    `(${r.outbox.relayedDuringLoad} relayed during the load, ${r.outbox.relayedDuringLoadPerSec}/s), drained in ${r.outbox.drainSeconds} s = ` +
    `${r.outbox.relayDrainPerSec ?? '–'}/s; overall ${r.outbox.relayOverallPerSec}/s; emptied ${r.outbox.emptied}\n` +
    `[bench] spillover integrity: ledger rows ${r.ledgerRows} (missing ${r.missingFromLedger}), Temporal event workflows ${r.temporalEventWorkflows ?? '?'}, ` +
    `delivered ${r.delivered}/${r.accepted}; lost ${r.lost}, processed twice ${r.processedTwice}; end to end ${r.endToEndSeconds} s\n` +
    `[bench] spillover CPU % of one core: load ${JSON.stringify(r.cpuPercentOfOneCore.load)} (API ${r.apiCpuMsPerRequest} ms per request), drain ${JSON.stringify(r.cpuPercentOfOneCore.drain)}; ` +
    `load average ${JSON.stringify(r.loadAverage1m)}; PostgreSQL backends during the load (mean) ${JSON.stringify(r.postgresBackendsDuringLoad)}; postgres fsync=${r.postgres.fsync} synchronous_commit=${r.postgres.synchronousCommit}, API pool ${r.postgres.apiPoolSize}, ` +
    `the outbox statement alone ${r.postgres.outboxInsertsPerSec}/s (without pg_notify ${r.postgres.outboxInsertsWithoutNotifyPerSec}/s)`
  );
}
