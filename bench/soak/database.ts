// What the soak reads from PostgreSQL after the drain: its source's ledger, and every table's rows and size.
import postgres from 'postgres';

/** The source's rows in the ledger tables. */
export interface Ledger {
  events: number;
  deliveries: number;
  delivered: number;
  attempts: number;
}

export interface TableRows {
  table: string;
  /** Exact `count(*)`. */
  rows: number;
  /** What the statistics say: live and dead tuples. */
  liveTuples: number;
  deadTuples: number;
  /** On disk, indexes and TOAST included. */
  sizeKb: number;
}

async function readLedger(db: postgres.Sql, sourceId: string): Promise<Ledger> {
  const [ledger] = await db<{ events: string; deliveries: string; delivered: string; attempts: string }[]>`
    select (select count(*) from events where source_id = ${sourceId}) as events,
           (select count(*) from deliveries d join events e on e.id = d.event_id where e.source_id = ${sourceId}) as deliveries,
           (select count(*) from deliveries d join events e on e.id = d.event_id where e.source_id = ${sourceId} and d.status = 'delivered') as delivered,
           (select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id join events e on e.id = d.event_id where e.source_id = ${sourceId}) as attempts`;
  return {
    events: Number(ledger!.events),
    deliveries: Number(ledger!.deliveries),
    delivered: Number(ledger!.delivered),
    attempts: Number(ledger!.attempts),
  };
}

async function readTables(db: postgres.Sql): Promise<TableRows[]> {
  const stats = await db<
    { schema: string; table: string; live: string; dead: string; bytes: string }[]
  >`select schemaname as schema, relname as table, n_live_tup as live, n_dead_tup as dead,
           pg_total_relation_size(relid) as bytes
      from pg_stat_user_tables order by schemaname, relname`;
  const tables: TableRows[] = [];
  for (const t of stats) {
    const [counted] = await db.unsafe<{ n: string }[]>(
      `select count(*) as n from "${t.schema.replaceAll('"', '""')}"."${t.table.replaceAll('"', '""')}"`,
    );
    tables.push({
      table: t.schema === 'public' ? t.table : `${t.schema}.${t.table}`,
      rows: Number(counted!.n),
      liveTuples: Number(t.live),
      deadTuples: Number(t.dead),
      sizeKb: Math.round(Number(t.bytes) / 1024),
    });
  }
  return tables;
}

/** The ledger of `sourceId` and every table's exact row count (with the statistics' view and its size on disk). */
export async function readDatabase(
  databaseUrl: string,
  sourceId: string,
): Promise<{ ledger: Ledger; tables: TableRows[] }> {
  const db = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  const ledger = await readLedger(db, sourceId);
  const tables = await readTables(db);
  await db.end();
  return { ledger, tables };
}
