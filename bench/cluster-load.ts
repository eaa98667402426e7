// `npm run bench:cluster-load` against a running `npm run cluster`: 2,000 events × 2 subscribers
// (10 % duplicates) at c=50 through both API replicas, while PostgreSQL's connections are sampled;
// reports what was delivered and the connection peak per database (docs/deployment.md, "Connections").
import { writeFileSync } from 'node:fs';
import postgres from 'postgres';
import { runHttpLoad, type LoadResult } from './runner/http-load.js';
import { signedRequests } from './runner/signed-requests.js';
import { startSubscriber } from './runner/subscriber.js';
import { waitForDeliveries } from './runner/wait-deliveries.js';

const say = (line: string) => process.stdout.write(`[cluster-load] ${line}\n`);
const arg = (name: string, fallback: string) =>
  process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback;
const apis = arg('--apis', 'http://127.0.0.1:3000,http://127.0.0.1:3001').split(',');
const requestCount = Number(arg('--requests', '2222'));
const concurrency = Number(arg('--concurrency', '50'));
const key = process.env.MANAGEMENT_API_KEY;
const databaseUrl = process.env.DATABASE_URL;
if (!key || !databaseUrl) {
  process.stderr.write(
    'Set MANAGEMENT_API_KEY and DATABASE_URL to what `npm run cluster` printed (the embedded password is "hookflow").\n',
  );
  process.exit(2);
}

async function manage<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(`${apis[0]}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Samples PostgreSQL's connections by database every 250 ms; `stop()` returns the peaks. */
function sampleConnections(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const peak = new Map<string, number>();
  let peakTotal = 0;
  const timer = setInterval(async () => {
    // While PostgreSQL is down (a fault under test) there is nothing to sample.
    const rows = await sql<{ datname: string | null; n: number }[]>`
      select datname, count(*)::int as n from pg_stat_activity where backend_type = 'client backend' group by datname`.catch(
      () => [],
    );
    let total = 0;
    for (const row of rows) {
      total += row.n;
      peak.set(row.datname ?? '-', Math.max(peak.get(row.datname ?? '-') ?? 0, row.n));
    }
    peakTotal = Math.max(peakTotal, total);
  }, 250);
  return {
    async stop() {
      clearInterval(timer);
      const [limit] = await sql<{ max_connections: string }[]>`show max_connections`;
      await sql.end();
      return { peakTotal, byDatabase: Object.fromEntries(peak), maxConnections: Number(limit!.max_connections) };
    },
  };
}

const subscribers = [await startSubscriber(false), await startSubscriber(false)];
const secret = `whsec_${Buffer.from(`cluster-load-${Date.now()}`).toString('base64')}`;
const sourceId = `cluster-load-${Date.now().toString(36)}`;
await manage('/v1/sources', { id: sourceId, scheme: 'standard-webhooks', secret });
for (const subscriber of subscribers) await manage('/v1/subscriptions', { url: subscriber.url, sourceIds: [sourceId] });
const { requests, unique } = signedRequests(sourceId, secret, requestCount, sourceId);
const connections = sampleConnections(databaseUrl);
const started = Date.now();
// Every other request to each API replica, each with half the concurrency.
const results: LoadResult[] = await Promise.all(
  apis.map((api, i) =>
    runHttpLoad(
      api,
      requests.filter((_, index) => index % apis.length === i),
      Math.ceil(concurrency / apis.length),
    ),
  ),
);
const sentIn = Date.now() - started;
const statuses: Record<string, number> = {};
for (const result of results)
  for (const [status, n] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
// What was acknowledged (202 new or 200 duplicate) must reach every subscriber; a request that got no
// answer (a replica killed under it) was not acknowledged, and the partner would send it again.
const acknowledged = new Set<string>();
for (const result of results)
  for (const answer of result.answers)
    if (answer && (answer.status === 202 || answer.status === 200))
      acknowledged.add((JSON.parse(answer.body) as { eventId: string }).eventId);
const errors = results.reduce((sum, result) => sum + result.errors, 0);
say(
  `${requests.length} requests (${unique} unique) in ${sentIn} ms: ${JSON.stringify(statuses)}, ${errors} without an answer; ${acknowledged.size} events acknowledged`,
);
const deliveredOf = (subscriber: (typeof subscribers)[number]) =>
  [...acknowledged].filter((id) => subscriber.delivered.has(id)).length;
const delivered = await Promise.all(
  subscribers.map((subscriber, i) =>
    waitForDeliveries(() => deliveredOf(subscriber), acknowledged.size, { log: say, label: `subscriber ${i + 1}` }),
  ),
);
const drainedIn = Date.now() - started;
const twice = subscribers.map((s) => [...s.delivered.values()].filter((n) => n > 1).length);
const peak = await connections.stop();
for (const subscriber of subscribers) subscriber.close();
const result = {
  at: new Date().toISOString(),
  requests: requests.length,
  unique,
  concurrency,
  apis: apis.length,
  statuses,
  unanswered: errors,
  acknowledged: acknowledged.size,
  delivered,
  deliveredTwice: twice,
  sentMs: sentIn,
  allDeliveredMs: drainedIn,
  connections: peak,
};
writeFileSync(new URL('./results/cluster-load-latest.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
say(
  `delivered ${delivered.join(' and ')} of ${acknowledged.size} acknowledged per subscriber (twice: ${twice.join(', ')}) in ${drainedIn} ms; ` +
    `PostgreSQL connections at peak ${peak.peakTotal} of max_connections ${peak.maxConnections}: ${JSON.stringify(peak.byDatabase)}`,
);
process.exit(delivered.every((n) => n === acknowledged.size) ? 0 : 1);
