// The spillover phase's measure of the outbox statement on its own, without the API around it.
import postgres from 'postgres';

/**
 * The spill statement alone, straight from the bench to PostgreSQL (no HTTP, no verification): `count`
 * inserts from `callers` concurrent callers over a pool of `connections`, into a copy of the outbox
 * table (its indexes, no relay listening), with and without the `pg_notify` the real statement adds.
 * Returns inserts/s: the ceiling the outbox puts on the spill path on this server.
 */
async function probeOutboxInserts(
  databaseUrl: string,
  options: { count: number; callers: number; connections: number; notify: boolean; tag: string },
): Promise<number> {
  const sql = postgres(databaseUrl, { max: options.connections, onnotice: () => {} });
  try {
    await sql`create table if not exists bench_outbox_probe (like ingress_outbox including defaults including indexes)`;
    const payload = JSON.stringify({ type: 'order.paid', data: { orderId: 'ord_1', note: 'x'.repeat(200) } });
    const headers = JSON.stringify({
      'webhook-id': 'msg_x',
      'webhook-timestamp': '1',
      'content-type': 'application/json',
    });
    const insert = (i: number) => {
      const key = `${options.tag}_${options.notify ? 'n' : 'p'}_${i}`;
      const id = (options.notify ? 1 : 2) * 10_000_000 + i;
      // The API's statement, with or without its notify (a nested fragment).
      const notify = options.notify ? sql`, pg_notify('bench_outbox_probe', '')` : sql``;
      return sql`
        with inserted as (
          insert into bench_outbox_probe (id, source_id, idempotency_key, event_id, event_type, payload, payload_sha256, headers, trace_id, received_at)
          select ${id}, 'probe', ${key}, ${`evt_${key}`}, 'order.paid', ${payload}::jsonb, 'sha', ${headers}::jsonb, 'trace', now()
          where not exists (select 1 from events where source_id = 'probe' and idempotency_key = ${key})
          on conflict (source_id, idempotency_key) do nothing
          returning 1
        )
        select (select count(*) from inserted)::int as inserted ${notify}`;
    };
    for (let i = 0; i < 50; i++) await insert(-1 - i); // warm the connections and the plan
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: options.callers }, async () => {
        while (next < options.count) await insert(next++);
      }),
    );
    return options.count / ((performance.now() - t0) / 1000);
  } finally {
    await sql`drop table if exists bench_outbox_probe`;
    await sql.end({ timeout: 5 });
  }
}

/** Both probes (with `pg_notify`, then without) at the API's pool size and the load's concurrency. */
export async function probeSpillStatement(
  databaseUrl: string,
  options: { requests: number; concurrency: number; poolSize: number; tag: string },
  log: (line: string) => void,
): Promise<{ withNotifyPerSec: number; withoutNotifyPerSec: number }> {
  const count = Math.min(options.requests, 2_000);
  const probe = { count, callers: options.concurrency, connections: options.poolSize, tag: options.tag };
  const withNotifyPerSec = await probeOutboxInserts(databaseUrl, { ...probe, notify: true });
  const withoutNotifyPerSec = await probeOutboxInserts(databaseUrl, { ...probe, notify: false });
  log(
    `spillover: outbox statement alone (${count}, c=${options.concurrency}, ${options.poolSize} connections): ${Math.round(withNotifyPerSec)}/s, without pg_notify ${Math.round(withoutNotifyPerSec)}/s`,
  );
  return { withNotifyPerSec, withoutNotifyPerSec };
}
