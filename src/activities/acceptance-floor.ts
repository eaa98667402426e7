import { eq } from 'drizzle-orm';
import { notYetQueued, unroutedInLedger, unroutedInOutbox } from '../db/acceptance-floor-reads.js';
import { outboxTargetOf } from '../db/ingress-outbox.js';
import { subscriptions } from '../db/schema.js';
import { afterAllAt, type AcceptanceFloorAnswer } from '../domain/acceptance-order.js';
import type { AcceptanceFloorInput } from '../domain/workflow-io.js';
import { workflowIds } from '../domain/workflow-ids.js';
import { acceptanceFloor, type UnroutedBatch } from '../delivery/ordering-floor.js';
import type { ActivityDependencies } from './deps.js';

/** Unrouted events read per table and call; past it the floor stops at the last one read. */
const BATCH = 200;

/**
 * An event still unrouted this long after its acceptance (its processing keeps failing) no longer
 * holds the deliveries accepted after it: a FIFO queue waits for a slow router, not forever.
 */
export const UNROUTED_GIVE_UP_MS = 10 * 60_000;

/**
 * The acceptance floor of a FIFO dispatcher (see `acceptanceFloor`): reads the events accepted
 * before now − the reorder window that are not routed yet — in the ledger (`received`/`processing`)
 * or still in the ingress outbox (waiting for its start, or started but not yet in the ledger) —
 * from the subscription's sources, and the deliveries routed to this dispatcher whose lanes have not
 * marked their request for a slot (the dispatcher skips those it already holds: `floorFor`).
 */
export function acceptanceFloorActivity({ db, config }: ActivityDependencies) {
  return async function acceptanceFloorOf(input: AcceptanceFloorInput): Promise<AcceptanceFloorAnswer> {
    const now = Date.now();
    const settledBefore = new Date(now - input.reorderWindowMs);
    const subscription = await db.query.subscriptions.findFirst({
      where: eq(subscriptions.id, input.subscriptionId),
      columns: { id: true, eventTypes: true, sourceIds: true, orderingKey: true },
    });
    if (!subscription)
      return { unrouted: afterAllAt(settledBefore.toISOString()), notYetQueued: [], notYetQueuedComplete: true };
    const since = new Date(now - UNROUTED_GIVE_UP_MS);
    const window = { since, before: settledBefore, sourceIds: subscription.sourceIds, limit: BATCH };
    // In this order: see src/db/acceptance-floor-reads.ts.
    const outbox = await unroutedInOutbox(db, outboxTargetOf(config), window);
    const ledger = await unroutedInLedger(db, window);
    const waiting = await notYetQueued(
      db,
      workflowIds.dispatcher(input.subscriptionId, input.orderingKeyHash),
      since,
      BATCH,
    );
    const batch = (rows: typeof ledger): UnroutedBatch => ({
      events: rows.map((row) => ({ ...row, receivedAt: row.receivedAt.toISOString() })),
      complete: rows.length < BATCH,
    });
    return {
      unrouted: acceptanceFloor(
        { subscription, keyHash: input.orderingKeyHash, settledBefore: settledBefore.toISOString() },
        [batch(outbox), batch(ledger)],
      ),
      notYetQueued: waiting.map((row) => ({ ...row, receivedAt: row.receivedAt.toISOString() })),
      notYetQueuedComplete: waiting.length < BATCH,
    };
  };
}
