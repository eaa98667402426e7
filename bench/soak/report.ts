// The soak's results file (bench/results/soak-latest.json by default) and its closing `[soak]` lines.
import { roundTo } from './ingest-clock.js';
import type { Ledger, TableRows } from './database.js';
import { PROCESSES, type heapSnapshotReport, type ProcessName } from './heap.js';
import type { IngestOutcome } from './ingest.js';
import { memoryOf, slopeWindows, type MemorySample } from './memory.js';
import type { MinuteRow } from './minute-table.js';
import { machineDescription } from '../runner/results.js';
import type { SoakSettings } from './settings.js';
import { DELIVERY_TIMEOUT_MS, type UnexpectedExit } from './stack.js';
import { FAILURES, type FailingSubscriber } from './subscriber.js';

/** Everything the report is made of. */
export interface SoakRun {
  settings: SoakSettings;
  /** `Date.now()` when the soak started. */
  started: number;
  ingest: IngestOutcome;
  subscribers: FailingSubscriber[];
  openDeadLetters: number;
  database: { ledger: Ledger; tables: TableRows[] };
  unexpectedExits: UnexpectedExit[];
  heapSnapshots: ReturnType<typeof heapSnapshotReport> | undefined;
}

export type SoakReport = ReturnType<typeof soakReport>;

function settingsSection(settings: SoakSettings) {
  return {
    minutes: settings.minutes,
    ratePerSec: settings.rate,
    subscribers: settings.subscriberCount,
    failureRate: settings.failureRate,
    deliveryTimeoutMs: DELIVERY_TIMEOUT_MS,
    retry: { initial: '200ms', backoff: 2, max: '5s', attempts: 30 },
    warmupMinutes: settings.warmupMinutes,
    sampleSeconds: settings.sampleMs / 1000,
    heapSnapshotMinutes: settings.heapSnapshotMinutes,
    processes: 'workers/api.ts and workers/worker.ts under tsx (NODE_ENV=production, LOG_LEVEL=info)',
  };
}

function machineSection(samples: MemorySample[]) {
  const loads = samples.map((s) => s.load1);
  return {
    ...machineDescription(),
    // The machine is shared (test suites, other benchmarks): the 1-minute load average over the run.
    loadAverage: {
      atStart: roundTo(loads[0]),
      atEnd: roundTo(loads.at(-1)),
      mean: roundTo(loads.reduce((a, b) => a + b, 0) / Math.max(1, loads.length)),
      max: roundTo(Math.max(...loads)),
    },
  };
}

function countsSection({ ingest, subscribers, openDeadLetters, database }: SoakRun) {
  const { final } = ingest;
  const subscriberRequests = subscribers.reduce((n, s) => n + s.requests, 0);
  const expectedDeliveries = final.accepted * subscribers.length;
  return {
    sent: final.sent,
    accepted: final.accepted,
    duplicateAcks: final.duplicateAcks,
    refused: final.refused,
    expectedDeliveries,
    delivered: final.delivered,
    lost: expectedDeliveries - final.delivered,
    redelivered: final.redelivered,
    failuresInjected: Object.fromEntries(FAILURES.map((f) => [f, subscribers.reduce((n, s) => n + s.failures[f], 0)])),
    subscriberRequests,
    openDeadLetters,
    // Every request a subscriber saw should be a delivery_attempts row (docs/architecture.md, "Tables").
    unrecordedAttempts: subscriberRequests - database.ledger.attempts,
    ledger: database.ledger,
  };
}

/** Each process's memory over the run, and its CPU during the ingest. */
function processMemory({ ingest, settings }: SoakRun, name: ProcessName) {
  return {
    ...memoryOf(ingest.samples, name, settings),
    cpuPercentOfOneCoreDuringIngest: roundTo((ingest.cpuDuringIngest[name] / ingest.ingestSeconds) * 100, 0),
  };
}

/** The per-minute rows' RSS of each process: first and last after minute 0, peak and growth. */
function minuteRssSection(table: MinuteRow[]) {
  const steady = table.filter((r) => r.minute !== 0 && r.apiRssMb !== undefined && r.workerRssMb !== undefined);
  const of = (pick: (r: MinuteRow) => number | undefined) => {
    const first = steady[0] ? pick(steady[0]) : undefined;
    const last = steady.at(-1) ? pick(steady.at(-1)!) : undefined;
    return {
      first,
      last,
      peak: Math.max(...table.map((r) => pick(r) ?? 0)),
      growthMb: first === undefined || last === undefined ? undefined : Math.round((last - first) * 10) / 10,
    };
  };
  return { apiRssMb: of((r) => r.apiRssMb), workerRssMb: of((r) => r.workerRssMb) };
}

export function soakReport(run: SoakRun) {
  const { ingest, database } = run;
  const counts = countsSection(run);
  const memory = { api: processMemory(run, 'api'), worker: processMemory(run, 'worker') };
  const slopeOk = (name: ProcessName) => {
    const slope = memory[name].slopesMbPerMin.rss.afterWarmup;
    return slope !== undefined && slope <= 1;
  };
  const targets = {
    noProcessExited: run.unexpectedExits.length === 0,
    lostZero: counts.lost === 0,
    redeliveredZero: counts.redelivered === 0,
    unrecordedAttemptsZero: counts.unrecordedAttempts === 0,
    apiRssSlopeAtMost1MbPerMin: slopeOk('api'),
    workerRssSlopeAtMost1MbPerMin: slopeOk('worker'),
  };
  return {
    date: new Date().toISOString(),
    settings: settingsSection(run.settings),
    machine: machineSection(ingest.samples),
    targets: { ...targets, allMet: Object.values(targets).every(Boolean) },
    counts,
    rowCounts: Object.fromEntries(database.tables.map((t) => [t.table, t.rows])),
    tables: database.tables,
    unexpectedExits: run.unexpectedExits,
    // RSS (from /proc) and main-thread V8 heap (from /metrics) in MB; slopes in MB/min, least squares over
    // the samples of each window in minutes of ingest: afterWarmup [warm-up, end], firstHalf and secondHalf.
    memorySlopes: { windows: slopeWindows(run.settings), api: memory.api, worker: memory.worker },
    heapSnapshots: run.heapSnapshots,
    memory: minuteRssSection(ingest.table),
    drainSeconds: ingest.drainSeconds,
    minutesTable: ingest.table,
    memorySamples: ingest.samples,
    durationSeconds: Math.round((Date.now() - run.started) / 1000),
  };
}

/** The closing lines: counts, ledger, exits, each process's memory, table rows, load and targets. */
export function printSoakSummary(report: SoakReport, run: SoakRun, say: (line: string) => void): void {
  const { counts, targets } = report;
  const { minutes, warmupMinutes, out } = run.settings;
  say(
    `accepted ${counts.accepted} (+${counts.duplicateAcks} duplicate acks, ${counts.refused} refused); ` +
      `deliveries ${counts.delivered}/${counts.expectedDeliveries}: lost ${counts.lost}, redelivered ${counts.redelivered}; ` +
      `${counts.subscriberRequests} subscriber requests, ${run.ingest.tally.failureCount()} failed on purpose; open dead letters ${counts.openDeadLetters}; drained in ${report.drainSeconds} s`,
  );
  say(
    `ledger: ${counts.ledger.events} events, ${counts.ledger.delivered}/${counts.ledger.deliveries} deliveries delivered, ${counts.ledger.attempts} attempt rows for ${counts.subscriberRequests} subscriber requests`,
  );
  if (run.unexpectedExits.length) say(`processes that exited during the run: ${JSON.stringify(run.unexpectedExits)}`);
  const windows = report.memorySlopes.windows;
  for (const name of PROCESSES) {
    const m = report.memorySlopes[name];
    const s = m.slopesMbPerMin;
    say(
      `${name}: RSS ${m.atWarmupEnd?.rssMb} MB at minute ${warmupMinutes} → ${m.atIngestEnd?.rssMb} MB at minute ${minutes} ` +
        `(${m.afterDrain?.rssMb} after the drain, peak ${m.peakRssMb}); slope ${s.rss.afterWarmup} MB/min ` +
        `(${windows.firstHalf.join('–')}: ${s.rss.firstHalf}, ${windows.secondHalf.join('–')}: ${s.rss.secondHalf}); ` +
        `V8 heap used ${m.atWarmupEnd?.heapUsedMb} → ${m.atIngestEnd?.heapUsedMb} MB, slope ${s.heapUsed.afterWarmup} MB/min ` +
        `(${s.heapUsed.firstHalf} / ${s.heapUsed.secondHalf}); ${m.cpuPercentOfOneCoreDuringIngest}% of a core`,
    );
  }
  say(`rows: ${report.tables.map((t) => `${t.table} ${t.rows}`).join(', ')}`);
  say(
    `load average (1 min) over the run: mean ${report.machine.loadAverage.mean}, max ${report.machine.loadAverage.max} on ${report.machine.cpus} cores`,
  );
  say(
    `targets: ${Object.entries(targets)
      .filter(([k]) => k !== 'allMet')
      .map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`)
      .join(', ')}`,
  );
  say(`written to ${out} (${report.durationSeconds} s)`);
}
