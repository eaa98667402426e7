// From what the spillover phase measured, step by step, to its result.
import { cpuUsed, percentOfOneCore, type CpuReading, type CpuUsed } from '../../runner/cpu.js';
import type { LoadResult } from '../../runner/http-load.js';
import type { BackendStates } from './outbox.js';
import { SPILLOVER_TARGETS, type CpuShares, type SpilloverPhaseResult } from './result.js';

/** The processes whose CPU the phase reads (besides PostgreSQL's, its own and the machine's). */
export type SpilloverProcess = 'api' | 'worker' | 'temporal';

/** The load itself, as the spillover phase measured it. */
export interface SpilloverLoad {
  sent: LoadResult;
  /** Answers 202 with `"spilled": true`. */
  accepted: number;
  acceptedNotSpilled: number;
  peakDepth: number;
  depthAtLoadEnd: number;
  backends: BackendStates;
  cpuStart: CpuReading<SpilloverProcess>;
  cpuEnd: CpuReading<SpilloverProcess>;
  /** `performance.now()` once the load had ended and the outbox depth was read. */
  endAt: number;
  loadAverageBefore: number;
  loadAverageAfter: number;
}

/** The outbox draining after the load. */
export interface SpilloverDrain {
  /** `performance.now()` when the outbox was seen empty (or the wait gave up). */
  at: number;
  emptied: boolean;
  cpu: CpuUsed<SpilloverProcess>;
  loadAverageAfter: number;
}

/** That every accepted event ran, was recorded and was delivered once. */
export type SpilloverIntegrity = Pick<
  SpilloverPhaseResult,
  | 'ledgerRows'
  | 'missingFromLedger'
  | 'temporalEventWorkflows'
  | 'delivered'
  | 'lost'
  | 'processedTwice'
  | 'endToEndSeconds'
>;

export interface SpilloverMeasurements {
  requests: number;
  concurrency: number;
  baselineTemporalStartsPerSec: number;
  direct: SpilloverPhaseResult['direct'];
  load: SpilloverLoad;
  drain: SpilloverDrain;
  integrity: SpilloverIntegrity;
  postgres: SpilloverPhaseResult['postgres'];
}

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Shares of one core over the window of `used`; what the listed processes did not use of the machine's is `otherProcessesPct`. */
function cpuShares(used: CpuUsed<SpilloverProcess>): CpuShares {
  const pct = (seconds: number) => percentOfOneCore(seconds, used.seconds);
  const { api, worker, temporal } = used.processes;
  const ours = api + worker + used.postgres + temporal + used.bench;
  return {
    apiPct: pct(api),
    workerPct: pct(worker),
    postgresPct: pct(used.postgres),
    temporalServerPct: pct(temporal),
    benchAndSubscriberPct: pct(used.bench),
    machinePct: pct(used.machineBusy),
    otherProcessesPct: Math.max(0, pct(used.machineBusy - ours)),
    iowaitPct: pct(used.iowait),
  };
}

function outboxFigures(load: SpilloverLoad, drain: SpilloverDrain): SpilloverPhaseResult['outbox'] {
  const drainSeconds = (drain.at - load.endAt) / 1000;
  const relayedDuringLoad = load.accepted - load.depthAtLoadEnd;
  return {
    peakDepth: Math.max(load.peakDepth, load.depthAtLoadEnd),
    depthAtLoadEnd: load.depthAtLoadEnd,
    relayedDuringLoad,
    relayedDuringLoadPerSec: Math.round(relayedDuringLoad / load.sent.seconds),
    drainSeconds: round(drainSeconds, 2),
    relayDrainPerSec:
      load.depthAtLoadEnd > 0 && drainSeconds > 0 ? Math.round(load.depthAtLoadEnd / drainSeconds) : null,
    relayOverallPerSec: Math.round(load.accepted / ((drain.at - load.cpuStart.at) / 1000)),
    emptied: drain.emptied,
  };
}

export function spilloverResult(m: SpilloverMeasurements): SpilloverPhaseResult {
  const { load, drain, integrity } = m;
  const { sent } = load;
  const perSec = load.accepted / sent.seconds;
  const ratio = round(perSec / m.baselineTemporalStartsPerSec, 2);
  const loadCpu = cpuUsed(load.cpuStart, load.cpuEnd);
  return {
    requests: m.requests,
    concurrency: m.concurrency,
    spillAfterMs: 0,
    accepted: load.accepted,
    allSpilled: load.accepted === m.requests,
    statuses: sent.statuses,
    acceptedNotSpilled: load.acceptedNotSpilled,
    errors: sent.errors,
    sendSeconds: round(sent.seconds, 2),
    spilloverAcceptedPerSec: Math.round(perSec),
    p50Ms: sent.p50Ms,
    p95Ms: sent.p95Ms,
    p99Ms: sent.p99Ms,
    maxMs: sent.maxMs,
    baselineTemporalStartsPerSec: Math.round(m.baselineTemporalStartsPerSec),
    spilloverRatio: ratio,
    direct: m.direct,
    outbox: outboxFigures(load, drain),
    ...integrity,
    loadAverage1m: {
      before: load.loadAverageBefore,
      afterLoad: load.loadAverageAfter,
      afterDrain: drain.loadAverageAfter,
    },
    postgresBackendsDuringLoad: load.backends,
    cpuPercentOfOneCore: { load: cpuShares(loadCpu), drain: cpuShares(drain.cpu) },
    apiCpuMsPerRequest: round((loadCpu.processes.api / Math.max(1, load.accepted)) * 1000, 2),
    postgres: m.postgres,
    targets: {
      spilloverRatio: { target: SPILLOVER_TARGETS.spilloverRatio, met: ratio >= SPILLOVER_TARGETS.spilloverRatio },
      p95Ms: { target: SPILLOVER_TARGETS.p95Ms, met: sent.p95Ms <= SPILLOVER_TARGETS.p95Ms },
      lostZero: integrity.lost === 0 && integrity.missingFromLedger === 0,
      processedTwiceZero: integrity.processedTwice === 0,
    },
  };
}
