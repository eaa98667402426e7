// The soak's ingest: signed courier events at a fixed rate (every 20th a repeat), a table row every
// minute, heap snapshots when due, then the drain until every accepted event reached every subscriber.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { sendCourierEvent, type IngestResult } from '../../test/helpers/ingest-driver.js';
import { cpuSeconds } from '../runner/cpu.js';
import { readMemory } from '../runner/memory.js';
import { heapSnapshotSchedule, type HeapSnapshotSchedule, type ProcessName } from './heap.js';
import { roundTo, type IngestClock } from './ingest-clock.js';
import { memorySampler, type MemorySample } from './memory.js';
import { minuteTable, printRow, type MinuteRow } from './minute-table.js';
import type { SoakSettings } from './settings.js';
import { DELIVERY_TIMEOUT_MS, type SoakProcesses, type SoakStack } from './stack.js';
import { startFailingSubscriber, type FailingSubscriber } from './subscriber.js';

/** The soak's source: the subscribers, subscribed to every event of it. */
export interface SoakSource {
  sourceId: string;
  secret: string;
  subscribers: FailingSubscriber[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the subscribers and creates the source (`hmac-sha256`) with one subscription for each. */
export async function createSoakSource(stack: SoakStack, settings: SoakSettings): Promise<SoakSource> {
  const subscribers: FailingSubscriber[] = [];
  for (let i = 0; i < settings.subscriberCount; i++) {
    const subscriber = await startFailingSubscriber(settings.failureRate, DELIVERY_TIMEOUT_MS);
    stack.closeAtEnd(subscriber);
    subscribers.push(subscriber);
  }
  const sourceId = 'soak';
  const secret = `soak-secret-${randomBytes(12).toString('hex')}`;
  await stack.api.post('/v1/sources', { id: sourceId, scheme: 'hmac-sha256', secret });
  for (const s of subscribers)
    await stack.api.post('/v1/subscriptions', { url: s.url, eventTypes: ['*'], sourceIds: [sourceId] });
  return { sourceId, secret, subscribers };
}

export type IngestTally = ReturnType<typeof ingestTally>;

/** Sends the events one at a time and counts what came of them, the subscribers' view included. */
function ingestTally(baseUrl: string, source: SoakSource, pids: Record<ProcessName, number | undefined>) {
  const { sourceId, secret, subscribers } = source;
  const results: IngestResult[] = [];
  const accepted = new Set<string>();
  let inFlight = 0;
  let next = 0;
  // Every 20th request re-sends an earlier key: it must be acknowledged as a duplicate and delivered once.
  const sendOne = async () => {
    const resend = next % 20 === 19 && results.length > 0;
    const key = resend ? results[Math.floor(Math.random() * results.length)]!.idempotencyKey : `soak-${next}`;
    next++;
    inFlight++;
    const result = await sendCourierEvent({ baseUrl, sourceId, secret }, key);
    inFlight--;
    results.push(result);
    if (result.status === 202) accepted.add(result.eventId!);
  };
  const deliveredCount = () =>
    subscribers.reduce((n, s) => n + [...accepted].filter((id) => s.delivered.has(id)).length, 0);
  const redeliveredCount = () =>
    subscribers.reduce((n, s) => n + [...s.delivered.values()].reduce((m, c) => m + c - 1, 0), 0);
  const failureCount = () => subscribers.reduce((n, s) => n + Object.values(s.failures).reduce((a, b) => a + b, 0), 0);
  const row = (minute: number): MinuteRow => ({
    minute,
    sent: results.length,
    accepted: accepted.size,
    duplicateAcks: results.filter((r) => r.status === 200 && r.duplicate).length,
    refused: results.filter((r) => r.status !== 202 && !(r.status === 200 && r.duplicate)).length,
    delivered: deliveredCount(),
    pending: accepted.size * subscribers.length - deliveredCount(),
    redelivered: redeliveredCount(),
    failuresInjected: failureCount(),
    apiRssMb: readMemory(pids.api)?.rssMb,
    workerRssMb: readMemory(pids.worker)?.rssMb,
    load1: roundTo(loadavg()[0]),
  });
  return { accepted, inFlight: () => inFlight, sendOne, deliveredCount, failureCount, row };
}

/** A fixed schedule: the n-th request goes out at start + n/rate, whatever the latency of the others. */
async function sendOnSchedule(
  tally: IngestTally,
  table: ReturnType<typeof minuteTable>,
  snapshots: HeapSnapshotSchedule,
  clock: IngestClock,
  { minutes, rate }: SoakSettings,
  stopping: () => boolean,
): Promise<void> {
  const ingestEnds = clock.startedAt + minutes * 60_000;
  let nextMinute = clock.startedAt + 60_000;
  for (let n = 0; Date.now() < ingestEnds && !stopping(); n++) {
    const due = clock.startedAt + (n * 1000) / rate;
    if (due > Date.now()) await sleep(due - Date.now());
    if (tally.inFlight() < 500) void tally.sendOne();
    if (Date.now() >= nextMinute) {
      table.add(tally.row(table.rows.length));
      nextMinute += 60_000;
    }
    snapshots.signalWhenDue();
  }
  while (tally.inFlight() > 0) await sleep(50);
}

/** What the ingest and the drain left for the report. */
export interface IngestOutcome {
  tally: IngestTally;
  table: MinuteRow[];
  /** The row taken after the drain. */
  final: MinuteRow;
  samples: MemorySample[];
  heapSnapshotsTaken: HeapSnapshotSchedule['taken'];
  ingestSeconds: number;
  /** CPU seconds each process used during the ingest (NaN for one that had exited). */
  cpuDuringIngest: Record<ProcessName, number>;
  drainSeconds: number;
}

/** The ingest for `--minutes`, memory sampled throughout, then the drain for up to `--drain-minutes`. */
export async function runIngest(
  stack: SoakStack,
  processes: SoakProcesses,
  source: SoakSource,
  settings: SoakSettings,
  say: (line: string) => void,
): Promise<IngestOutcome> {
  const { clock, pids } = processes;
  const tally = ingestTally(stack.baseUrl, source, pids);
  const sampler = memorySampler(pids, processes.metrics, clock);
  stack.onShutdown(sampler.stop);
  const children = [processes.api.child, processes.worker.child];
  const snapshots = heapSnapshotSchedule(settings.heapSnapshotMinutes, children, clock, say);
  const table = minuteTable(say);
  const baseline = tally.row(0);
  printRow(say);
  table.add(baseline);
  clock.startedAt = Date.now();
  const cpuAtStart = { api: cpuSeconds(pids.api), worker: cpuSeconds(pids.worker) };
  sampler.start(settings.sampleMs);
  await sendOnSchedule(tally, table, snapshots, clock, settings, () => stack.stopping);
  const ingestSeconds = (Date.now() - clock.startedAt) / 1000;
  // cpuSeconds is 0 for a process that has exited: no figure then.
  const cpuUsed = (name: ProcessName) => {
    const now = cpuSeconds(pids[name]);
    return now > 0 ? now - cpuAtStart[name] : NaN;
  };
  const cpuDuringIngest = { api: cpuUsed('api'), worker: cpuUsed('worker') };

  say(`ingest stopped; draining (up to ${settings.drainMs / 60_000} min)…`);
  const drainStarted = Date.now();
  const expected = () => tally.accepted.size * source.subscribers.length;
  while (tally.deliveredCount() < expected() && Date.now() - drainStarted < settings.drainMs && !stack.stopping)
    await sleep(500);
  const drainSeconds = Math.round((Date.now() - drainStarted) / 1000);
  sampler.stop();
  await sampler.sampleNow();
  const final = { ...tally.row(0), minute: 'end' as const };
  table.add(final);
  const { samples } = sampler;
  return {
    tally,
    table: table.rows,
    final,
    samples,
    heapSnapshotsTaken: snapshots.taken,
    ingestSeconds,
    cpuDuringIngest,
    drainSeconds,
  };
}
