// The cluster load (2,000 events × 2 subscribers, 10 % duplicates, c=50 through every API replica)
// with PostgreSQL's connections sampled: `npm run bench:cluster-load` runs it against a running
// `npm run cluster`, `npm run bench:cluster-faults` against a fresh topology per fault.
import postgres from 'postgres';
import { runHttpLoad, type LoadResult } from '../runner/http-load.js';
import { signedRequests } from '../runner/signed-requests.js';
import { startSubscriber } from '../runner/subscriber.js';
import { waitForDeliveries } from '../runner/wait-deliveries.js';

export interface ClusterLoadOptions {
  apis: string[];
  managementKey: string;
  databaseUrl: string;
  requests: number;
  concurrency: number;
  log: (line: string) => void;
  /** Runs beside the load from its first request (a fault to inject). */
  during?: () => Promise<void>;
}

export interface ClusterLoadResult {
  requests: number;
  unique: number;
  statuses: Record<string, number>;
  /** Requests that got no answer (a replica killed under them): not acknowledged. */
  unanswered: number;
  acknowledged: number;
  /** Acknowledged events each subscriber received. */
  delivered: number[];
  /** Events a subscriber received more than once. */
  deliveredTwice: number[];
  /** Repeats of an event answered 202 (new) besides its original's 202: see docs/reliability.md. */
  repeatsAnswered202: number;
  /** Open dead letters left in the database at the end. */
  deadLetters: number;
  sentMs: number;
  allDeliveredMs: number;
  connections: { peakTotal: number; byDatabase: Record<string, number>; maxConnections: number };
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
      const [open] = await sql<{ n: number }[]>`select count(*)::int as n from dead_letters where status = 'open'`;
      await sql.end();
      return {
        connections: {
          peakTotal,
          byDatabase: Object.fromEntries(peak),
          maxConnections: Number(limit!.max_connections),
        },
        deadLetters: open!.n,
      };
    },
  };
}

async function manage(api: string, key: string, path: string, body: unknown): Promise<void> {
  const response = await fetch(`${api}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path} → ${response.status} ${await response.text()}`);
}

/** Acknowledged event ids, and how many repeats of an event were answered 202 beside its first 202. */
function answersOf(results: LoadResult[]) {
  const acknowledged = new Set<string>();
  const answered202 = new Map<string, number>();
  for (const result of results)
    for (const answer of result.answers) {
      if (!answer || (answer.status !== 202 && answer.status !== 200)) continue;
      const { eventId } = JSON.parse(answer.body) as { eventId: string };
      acknowledged.add(eventId);
      if (answer.status === 202) answered202.set(eventId, (answered202.get(eventId) ?? 0) + 1);
    }
  const repeatsAnswered202 = [...answered202.values()].reduce((sum, n) => sum + n - 1, 0);
  return { acknowledged, repeatsAnswered202 };
}

/** Sends the load, waits until every acknowledged event reached both subscribers, and reports. */
export async function runClusterLoad(options: ClusterLoadOptions): Promise<ClusterLoadResult> {
  const { apis, log } = options;
  const subscribers = [await startSubscriber(false), await startSubscriber(false)];
  const tag = `cluster-load-${Date.now().toString(36)}`;
  const secret = `whsec_${Buffer.from(tag).toString('base64')}`;
  await manage(apis[0]!, options.managementKey, '/v1/sources', { id: tag, scheme: 'standard-webhooks', secret });
  for (const subscriber of subscribers)
    await manage(apis[0]!, options.managementKey, '/v1/subscriptions', { url: subscriber.url, sourceIds: [tag] });
  const { requests, unique } = signedRequests(tag, secret, options.requests, tag);
  const sampler = sampleConnections(options.databaseUrl);
  const started = Date.now();
  const during = options.during?.();
  // Every other request to each API replica, each with its share of the concurrency.
  const results = await Promise.all(
    apis.map((api, i) =>
      runHttpLoad(
        api,
        requests.filter((_, index) => index % apis.length === i),
        Math.ceil(options.concurrency / apis.length),
      ),
    ),
  );
  const sentMs = Date.now() - started;
  const statuses: Record<string, number> = {};
  for (const result of results)
    for (const [status, n] of Object.entries(result.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
  const unanswered = results.reduce((sum, result) => sum + result.errors, 0);
  const { acknowledged, repeatsAnswered202 } = answersOf(results);
  log(
    `${requests.length} requests (${unique} unique) in ${sentMs} ms: ${JSON.stringify(statuses)}, ${unanswered} without an answer; ${acknowledged.size} events acknowledged`,
  );
  await during;
  const delivered = await Promise.all(
    subscribers.map((subscriber, i) =>
      waitForDeliveries(
        () => [...acknowledged].filter((id) => subscriber.delivered.has(id)).length,
        acknowledged.size,
        {
          log,
          label: `subscriber ${i + 1}`,
        },
      ),
    ),
  );
  const allDeliveredMs = Date.now() - started;
  const deliveredTwice = subscribers.map((s) => [...s.delivered.values()].filter((n) => n > 1).length);
  const { connections, deadLetters } = await sampler.stop();
  for (const subscriber of subscribers) subscriber.close();
  return {
    requests: requests.length,
    unique,
    statuses,
    unanswered,
    acknowledged: acknowledged.size,
    delivered,
    deliveredTwice,
    repeatsAnswered202,
    deadLetters,
    sentMs,
    allDeliveredMs,
    connections,
  };
}
