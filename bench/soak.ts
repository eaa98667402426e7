// `npm run soak -- --minutes 10 [--rate 10] [--subscribers 3] [--failure-rate 0.2] [--drain-minutes 3]
//   [--warmup-minutes 2] [--sample-seconds 5] [--heap-snapshots 3,9]`
// Steady ingest into a stack of its own (Temporal dev server + embedded PostgreSQL, API and worker as
// child processes), subscribers that fail at random, and every minute: what was accepted, delivered,
// still pending, redelivered, and the resident memory of the API and the worker. Memory is also sampled
// every `--sample-seconds` (RSS from /proc, V8 heap from each process's /metrics) and its least-squares
// slope reported in MB/min after the warm-up, over the rest of the ingest and over each half of it
// (a heap still filling up flattens in the second half; a leak does not). At the end it drains,
// reports lost and duplicated deliveries, unrecorded attempts, the PostgreSQL row count of every table
// and the machine's load average, and writes bench/results/soak-latest.json (or `--out FILE`).
// `--heap-snapshots 3,9` starts both processes with `--heapsnapshot-signal=SIGWINCH` and signals them at
// those minutes of ingest (files under .data/soak-heap-*/; compare two with `tsx bench/heap-diff.ts`).
// A snapshot pauses the process for seconds and adds to its RSS, so such a run is evidence, not a measurement.
// The pieces are in bench/soak/; the stack start, memory readings and result writing are shared with
// `npm run bench` (bench/runner/).
import { writeResultFile } from './runner/results.js';
import { readDatabase } from './soak/database.js';
import { heapSnapshotReport } from './soak/heap.js';
import { createSoakSource, runIngest } from './soak/ingest.js';
import { printSoakSummary, soakReport } from './soak/report.js';
import { parseSoakSettings } from './soak/settings.js';
import { startSoakStack } from './soak/stack.js';

const say = (line: string) => process.stdout.write(`[soak] ${line}\n`);

async function main(): Promise<void> {
  const started = Date.now();
  const settings = parseSoakSettings();
  say(
    `${settings.minutes} min at ${settings.rate} events/s, ${settings.subscriberCount} subscribers failing ${Math.round(settings.failureRate * 100)}% of requests at random`,
  );
  const stack = await startSoakStack(settings, say);
  try {
    const processes = await stack.startProcesses();
    const source = await createSoakSource(stack, settings);
    const ingest = await runIngest(stack, processes, source, settings, say);
    const deadLetters = await stack.api.get<{ data: { reason: string }[] }>(
      `/v1/dead-letters?sourceId=${source.sourceId}&status=open&limit=200`,
    );
    const database = await readDatabase(stack.infra.databaseUrl, source.sourceId);
    const run = {
      settings,
      started,
      ingest,
      subscribers: source.subscribers,
      openDeadLetters: deadLetters.data.length,
      database,
      unexpectedExits: processes.unexpectedExits,
      heapSnapshots: stack.heapSnapshotDir
        ? heapSnapshotReport(stack.heapSnapshotDir, ingest.heapSnapshotsTaken, processes.pids, say)
        : undefined,
    };
    const report = soakReport(run);
    writeResultFile(settings.out, report);
    printSoakSummary(report, run, say);
    if (report.counts.ledger.events !== report.counts.accepted || !report.targets.allMet) process.exitCode = 2;
  } finally {
    await stack.shutdown();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
