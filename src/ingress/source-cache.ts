import { and, arrayContains, eq, getTableColumns, or, sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { sources, subscriptions } from '../db/schema.js';

export type SourceRecord = typeof sources.$inferSelect;

/** A source as ingress sees it. */
export type IngressSource = SourceRecord & {
  /** An enabled FIFO subscription takes this source's events: they all go through the outbox. */
  feedsFifoSubscription?: boolean;
};

interface Entry {
  expiresAt: number;
  value: Promise<IngressSource | undefined>;
}

/**
 * Short-lived cache in front of the `sources` table: the ingress hot path reads Postgres at most
 * once per source per TTL, and a change made through any replica is seen by all within the TTL.
 */
export class SourceCache {
  private readonly entries = new Map<string, Entry>();
  /** The last answer PostgreSQL gave per source, served while it is unreachable (stale-if-error). */
  private readonly lastKnown = new Map<string, IngressSource | undefined>();

  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(id: string): Promise<IngressSource | undefined> {
    const cached = this.entries.get(id);
    if (cached && cached.expiresAt > this.now()) return cached.value;
    // One round trip: the source, and whether an enabled FIFO subscription takes its events.
    const fifoSubscription = this.db
      .select({ one: sql`1` })
      .from(subscriptions)
      .where(
        and(
          eq(subscriptions.enabled, true),
          eq(subscriptions.ordering, 'fifo'),
          or(sql`cardinality(${subscriptions.sourceIds}) = 0`, arrayContains(subscriptions.sourceIds, [id])),
        ),
      );
    const load = async (): Promise<IngressSource | undefined> => {
      const [source] = await this.db
        .select({ ...getTableColumns(sources), feedsFifoSubscription: sql<boolean>`exists (${fifoSubscription})` })
        .from(sources)
        .where(eq(sources.id, id))
        .limit(1);
      return source;
    };
    const value = load()
      // A pooled connection the server terminated (failover, restart) fails once; the retry reconnects.
      .catch(() => load())
      // PostgreSQL still unreachable: keep serving the last known source rather than refuse senders.
      .catch((error: unknown) => {
        if (this.lastKnown.has(id)) return this.lastKnown.get(id);
        throw error;
      })
      .then((found) => {
        this.lastKnown.set(id, found);
        return found;
      });
    const entry = { expiresAt: this.now() + this.ttlMs, value };
    this.entries.set(id, entry);
    // A failed lookup must not be cached: the next request retries Postgres.
    value.catch(() => this.entries.get(id) === entry && this.entries.delete(id));
    if (this.entries.size > 10_000) this.entries.delete(this.entries.keys().next().value!);
    if (this.lastKnown.size > 10_000) this.lastKnown.delete(this.lastKnown.keys().next().value!);
    return value;
  }

  /** Drops a source so this replica sees a management change immediately. */
  invalidate(id: string): void {
    this.entries.delete(id);
    this.lastKnown.delete(id);
  }
}
