import type { Config } from '../config.js';
import type { Database } from '../db/client.js';
import {
  claimOutboxRows,
  OUTBOX_CHANNEL,
  outboxNotice,
  outboxTargetOf,
  settleOutboxRows,
  sweepStartedOutboxRows,
  type OutboxRow,
} from '../db/ingress-outbox.js';
import type { Logger } from '../logging.js';
import { TemporalUnavailable, type WorkflowStarter } from '../temporal/workflow-client.js';

const BATCH = 100;
const POLL_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;
/** How often the relay removes started rows that no workflow will remove (see `sweepStartedOutboxRows`). */
const SWEEP_MS = 5_000;

export interface OutboxRelay {
  stop(): Promise<void>;
}

/**
 * Starts the workflows of spilled webhooks (docs/architecture.md, "The path of a webhook"): claims outbox rows oldest first (a lease,
 * so a relay that dies mid-batch leaves them to the next claim), starts
 * `event:<source>:<key>` with the same input the direct path would have (an existing workflow is
 * success: the direct start got there first), and marks them started: the workflow's recordEvent
 * deletes its row once the ledger has it. Woken by NOTIFY, polling as a fallback; backs off while
 * Temporal is down. Any number of workers may run one.
 */
export async function startOutboxRelay(deps: {
  db: Database;
  starter: WorkflowStarter;
  config: Config;
  logger: Logger;
}): Promise<OutboxRelay> {
  const { db, starter, config } = deps;
  const log = deps.logger.child({ component: 'outbox-relay' });
  let running = true;
  let interrupt: (() => void) | undefined;
  let backingOff = false;
  // Set by a notify that came while no wait was running (mid-claim): the next wait is skipped.
  let notified = false;
  const target = outboxTargetOf(config);
  const notice = outboxNotice(target);
  // A notify for our namespace and task queue ends an idle wait at once; a backoff (Temporal down)
  // is waited out, unless we stop. Spills for other deployments sharing the database do not wake us.
  const listening = await db.$client.listen(OUTBOX_CHANNEL, (payload) => {
    if (payload !== notice || backingOff) return;
    notified = true;
    interrupt?.();
  });

  let sweptAt = 0;
  const loop = (async () => {
    let backoff = 0;
    while (running) {
      let idle = false;
      notified = false;
      try {
        if (Date.now() - sweptAt >= SWEEP_MS) {
          sweptAt = Date.now();
          await sweepStartedOutboxRows(db, target);
        }
        const { claimed, started } = await relayOnce(db, target, starter, log);
        backoff = started < claimed ? Math.min(MAX_BACKOFF_MS, Math.max(1_000, backoff * 2)) : 0;
        idle = claimed === 0;
      } catch (error) {
        log.warn({ err: error }, 'outbox relay could not read the outbox');
        backoff = Math.min(MAX_BACKOFF_MS, Math.max(1_000, backoff * 2));
      }
      if (!running || (backoff === 0 && (!idle || notified))) continue;
      backingOff = backoff > 0;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoff || POLL_MS);
        interrupt = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      interrupt = undefined;
    }
  })();

  return {
    async stop() {
      running = false;
      interrupt?.();
      await loop;
      await listening.unlisten();
    },
  };
}

/** Claims one batch of outbox rows, starts their workflows and settles the rows; returns how many of each. */
async function relayOnce(
  db: Database,
  target: ReturnType<typeof outboxTargetOf>,
  starter: WorkflowStarter,
  log: Logger,
): Promise<{ claimed: number; started: number }> {
  const rows = await claimOutboxRows(db, target, BATCH);
  const started = rows.length ? await startSpilledRows(starter, rows, log) : [];
  await settleOutboxRows(
    db,
    started,
    rows.map((row) => row.id).filter((id) => !started.includes(id)),
  );
  if (started.length > 0)
    log.info({ event: 'outbox_relayed', started: started.length, claimed: rows.length }, 'spilled webhooks started');
  return { claimed: rows.length, started: started.length };
}

/** Starts the workflow of each spilled row (an existing one counts as started); returns the rows started. */
async function startSpilledRows(starter: WorkflowStarter, rows: OutboxRow[], log: Logger): Promise<number[]> {
  const outcomes = await Promise.all(
    rows.map(async (row) => {
      try {
        await starter.startEvent(
          {
            eventId: row.eventId,
            sourceId: row.sourceId,
            idempotencyKey: row.idempotencyKey,
            eventType: row.eventType,
            payload: row.payload,
            payloadSha256: row.payloadSha256,
            headers: row.headers,
            receivedAt: row.receivedAt.toISOString(),
            traceId: row.traceId,
            spilled: true,
          },
          5_000,
        );
        return row.id;
      } catch (error) {
        if (!(error instanceof TemporalUnavailable))
          log.error({ err: error, eventId: row.eventId }, 'outbox start failed');
        return undefined;
      }
    }),
  );
  return outcomes.filter((id): id is number => id !== undefined);
}
