// `npm run bench:cluster-faults`: each fault of docs/reliability.md ("On the cluster topology") on a
// fresh `npm run cluster`, injected 6 s into the cluster load (2,000 events × 2 subscribers, 10 %
// duplicates, c=50). The topology itself restarts the Temporal server and PostgreSQL after
// CLUSTER_RESTART_DELAY; results go to bench/results/cluster-faults-latest.json and a table.
import { writeFileSync } from 'node:fs';
import { runClusterLoad, type ClusterLoadResult } from './cluster/load.js';
import { hookflowProcesses, postmasterOn, signal } from './cluster/processes.js';
import { startTopology, type Topology } from './cluster/topology.js';

const say = (line: string) => process.stdout.write(`[cluster-faults] ${line}\n`);
const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback;
const FAULT_AFTER_MS = 6_000;

interface Fault {
  what: string;
  /** The topology's restart delay: how long the killed part stays down. */
  restartDelay: string;
  inject(topology: Topology): void;
  /** What the topology prints when it is back; absent: nothing comes back (recovery is the fault itself). */
  recovered?: RegExp;
}

const FAULTS: Record<string, Fault> = {
  none: { what: 'no fault', restartDelay: '10s', inject: () => {} },
  'temporal-kill': {
    what: 'Temporal server SIGKILLed, restarted by `npm run cluster` 10 s later',
    restartDelay: '10s',
    inject: (topology) => signal(topology.temporalPid, 'SIGKILL'),
    recovered: /the Temporal server restarted/,
  },
  'postgres-stop': {
    what: "PostgreSQL (Temporal's and Hookflow's) stopped (fast shutdown), restarted by `npm run cluster` 20 s later",
    restartDelay: '20s',
    inject: (topology) => postmasterOn(topology.postgresPort).forEach((pid) => signal(pid, 'SIGINT')),
    recovered: /PostgreSQL restarted/,
  },
  'replica-kill': {
    what: 'one worker and one API replica SIGKILLed (not restarted)',
    restartDelay: '10s',
    inject: (topology) => {
      const [worker] = hookflowProcesses('worker', topology.dataDir);
      const [api] = hookflowProcesses('api', topology.dataDir, Number(new URL(topology.apis[1]!).port));
      if (!worker || !api) throw new Error('no worker or second API replica found to kill');
      signal(worker, 'SIGKILL');
      signal(api, 'SIGKILL');
    },
  },
};

interface FaultRun extends ClusterLoadResult {
  fault: string;
  what: string;
  faultAtMs: number;
  recoveredAtMs: number | null;
  drainAfterRecoveryMs: number | null;
  passed: boolean;
}

async function runFault(name: string, fault: Fault, requests: number, concurrency: number): Promise<FaultRun> {
  say(`${name}: starting a fresh topology…`);
  const topology = await startTopology({ CLUSTER_RESTART_DELAY: fault.restartDelay }, say);
  try {
    let startedAt = 0;
    let faultAt = 0;
    const result = await runClusterLoad({
      apis: topology.apis,
      managementKey: topology.managementKey,
      databaseUrl: topology.databaseUrl,
      requests,
      concurrency,
      log: (line) => say(`${name}: ${line}`),
      during: async () => {
        startedAt = Date.now();
        await new Promise((r) => setTimeout(r, FAULT_AFTER_MS));
        faultAt = Date.now();
        fault.inject(topology);
        say(`${name}: injected at ${faultAt - startedAt} ms`);
      },
    });
    const recoveredAt = fault.recovered ? topology.printedAt(fault.recovered, faultAt) : faultAt;
    const recoveredAtMs = recoveredAt === undefined ? null : recoveredAt - startedAt;
    const passed =
      result.delivered.every((n) => n === result.acknowledged) &&
      result.deliveredTwice.every((n) => n === 0) &&
      result.deadLetters === 0;
    return {
      fault: name,
      what: fault.what,
      ...result,
      faultAtMs: faultAt - startedAt,
      recoveredAtMs,
      drainAfterRecoveryMs: recoveredAtMs === null ? null : result.allDeliveredMs - recoveredAtMs,
      passed,
    };
  } finally {
    await topology.stop();
  }
}

const row = (run: FaultRun) =>
  `| ${run.what} | ${Object.entries(run.statuses)
    .map(([status, n]) => `${n} × \`${status}\``)
    .join(
      ', ',
    )}${run.unanswered ? `, ${run.unanswered} unanswered` : ''} | ${run.delivered.join(' / ')} of ${run.acknowledged} | ${run.deliveredTwice.join(' / ')} | ${run.deadLetters} | ${run.repeatsAnswered202} | ${Math.round(run.allDeliveredMs / 1000)} s | ${run.drainAfterRecoveryMs === null ? '—' : `${Math.round(run.drainAfterRecoveryMs / 1000)} s`} |`;

const names = arg('--only', Object.keys(FAULTS).join(',')).split(',');
const runs: FaultRun[] = [];
for (const name of names) {
  const fault = FAULTS[name];
  if (!fault) throw new Error(`unknown fault ${name} (one of ${Object.keys(FAULTS).join(', ')})`);
  runs.push(await runFault(name, fault, Number(arg('--requests', '2222')), Number(arg('--concurrency', '50'))));
  say(row(runs.at(-1)!));
}
writeFileSync(
  new URL('./results/cluster-faults-latest.json', import.meta.url),
  `${JSON.stringify({ at: new Date().toISOString(), runs }, null, 2)}\n`,
);
say(
  '| fault | answers | delivered per subscriber | twice | dead letters | repeats answered 202 | all delivered after | drained after recovery |',
);
say('|---|---|---|---|---|---|---|---|');
for (const run of runs) say(row(run));
process.exit(runs.every((run) => run.passed) ? 0 : 1);
