// `npm run bench:cluster-load` against a running `npm run cluster`: 2,000 events × 2 subscribers
// (10 % duplicates) at c=50 through both API replicas, while PostgreSQL's connections are sampled;
// reports what was delivered and the connection peak per database (docs/deployment.md, "Connections").
import { writeFileSync } from 'node:fs';
import { runClusterLoad } from './cluster/load.js';

const say = (line: string) => process.stdout.write(`[cluster-load] ${line}\n`);
const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback;
const managementKey = process.env.MANAGEMENT_API_KEY;
const databaseUrl = process.env.DATABASE_URL;
if (!managementKey || !databaseUrl) {
  process.stderr.write(
    'Set MANAGEMENT_API_KEY and DATABASE_URL to what `npm run cluster` printed (the embedded password is "hookflow").\n',
  );
  process.exit(2);
}

const result = await runClusterLoad({
  apis: arg('--apis', 'http://127.0.0.1:3000,http://127.0.0.1:3001').split(','),
  managementKey,
  databaseUrl,
  requests: Number(arg('--requests', '2222')),
  concurrency: Number(arg('--concurrency', '50')),
  log: say,
});
writeFileSync(
  new URL('./results/cluster-load-latest.json', import.meta.url),
  `${JSON.stringify({ at: new Date().toISOString(), ...result }, null, 2)}\n`,
);
say(
  `delivered ${result.delivered.join(' and ')} of ${result.acknowledged} acknowledged per subscriber (twice: ${result.deliveredTwice.join(', ')}) in ${result.allDeliveredMs} ms; ` +
    `PostgreSQL connections at peak ${result.connections.peakTotal} of max_connections ${result.connections.maxConnections}: ${JSON.stringify(result.connections.byDatabase)}`,
);
process.exit(result.delivered.every((n) => n === result.acknowledged) ? 0 : 1);
