import type { Database } from './client.js';
import { outboxKey, outboxRowJson, spillToOutbox, type OutboxRowInput, type OutboxTarget } from './ingress-outbox.js';

/** Writes webhooks to the outbox; `inserted: false` when the key is known already (a duplicate). */
export interface OutboxSpiller {
  spill(input: OutboxRowInput): Promise<{ inserted: boolean }>;
}

export interface SpillBatching {
  /** Statements in flight at once (the rest of the pool stays free for source lookups and management). */
  maxStatements: number;
  /** Webhooks per statement at most. */
  maxRows: number;
  /** JSON characters per statement at most (a webhook larger than this still goes, alone). */
  maxBytes: number;
}

export const DEFAULT_SPILL_BATCHING: SpillBatching = { maxStatements: 1, maxRows: 200, maxBytes: 1 << 20 };

interface Waiting {
  key: string;
  json: string;
  settle: { resolve(value: { inserted: boolean }): void; reject(error: unknown): void };
}

/**
 * Group commit for spills: a webhook goes at once while fewer than `maxStatements` statements run;
 * otherwise it waits and leaves with every webhook that arrived meanwhile, in one statement. At low
 * load that is one statement per webhook, as before; under load each round trip, commit and notify
 * is shared by many (per-statement costs dominated a spill: the socket write alone was a fifth of
 * the API's CPU). A webhook is answered only after its statement committed; if the statement fails,
 * every webhook in it gets the error (none of them was acknowledged).
 */
export function createOutboxSpiller(
  db: Database,
  target: OutboxTarget,
  batching: SpillBatching = DEFAULT_SPILL_BATCHING,
): OutboxSpiller {
  const waiting: Waiting[] = [];
  let running = 0;

  const takeBatch = (): Waiting[] => {
    let bytes = 0;
    let count = 0;
    while (count < waiting.length && count < batching.maxRows) {
      bytes += waiting[count]!.json.length;
      if (count > 0 && bytes > batching.maxBytes) break;
      count++;
    }
    return waiting.splice(0, count);
  };

  const write = async (batch: Waiting[]): Promise<void> => {
    // A key twice in one batch: the first is written, the others are its duplicates.
    const byKey = new Map<string, Waiting[]>();
    for (const item of batch) {
      const same = byKey.get(item.key);
      if (same) same.push(item);
      else byKey.set(item.key, [item]);
    }
    const firsts = [...byKey.values()].map((items) => items[0]!);
    try {
      const inserted = await spillToOutbox(
        db,
        firsts.map((item) => item.json),
        target,
      );
      for (const items of byKey.values())
        items.forEach((item, i) => item.settle.resolve({ inserted: i === 0 && inserted.has(item.key) }));
    } catch (error) {
      for (const item of batch) item.settle.reject(error);
    }
  };

  const pump = () => {
    while (running < batching.maxStatements && waiting.length > 0) {
      running++;
      void write(takeBatch()).finally(() => {
        running--;
        pump();
      });
    }
  };

  return {
    spill: (input) =>
      new Promise((resolve, reject) => {
        waiting.push({
          key: outboxKey(input.sourceId, input.idempotencyKey),
          json: outboxRowJson(input),
          settle: { resolve, reject },
        });
        pump();
      }),
  };
}
