import { Context } from '@temporalio/activity';
import { deliveriesInWindow } from '../db/recovery-window.js';
import type { HookflowActivities } from '../domain/activities.js';
import type { RecoverCursor, RecoverPageInput, RecoverPageResult } from '../domain/workflow-io.js';
import { redeliverEvent } from '../temporal/redelivery.js';
import type { ActivityDependencies } from './deps.js';

/**
 * One page of a recovery (README "Recover a time window"): each delivery in acceptance order goes
 * through the same path as `POST /v1/events/:id/redeliver` — an open dead letter is replayed where
 * it waits, a settled delivery runs again in its redelivery workflow (same delivery row, same
 * webhook-id), and one still being delivered or retried is left alone. The position is heartbeated
 * after each, so a retried page resumes after the last delivery it handled instead of resending it.
 */
export function recoverPageActivity({ db, starter, logger }: ActivityDependencies): HookflowActivities['recoverPage'] {
  return async function recoverPage(input: RecoverPageInput): Promise<RecoverPageResult> {
    if (!starter) throw new Error('the worker was started without a Temporal client for recoveries');
    const context = Context.current();
    const resumed = context.info.heartbeatDetails as RecoverPageResult | undefined;
    const result: RecoverPageResult = resumed ?? {
      scanned: 0,
      redelivered: 0,
      replayed: 0,
      inProgress: 0,
      cursor: null,
    };
    const rows = await deliveriesInWindow(db, {
      subscriptionId: input.subscriptionId,
      since: new Date(input.since),
      until: new Date(input.until),
      scope: input.scope,
      after: result.cursor ?? input.after,
      limit: input.limit - result.scanned,
    });
    const deps = { db, temporal: starter.client, starter, logger };
    for (const row of rows) {
      const [outcome] =
        (await redeliverEvent(deps, row.eventId, [input.subscriptionId], `recovery ${input.recoveryId}`)) ?? [];
      result.scanned += 1;
      if (outcome?.outcome === 'redelivered') result.redelivered += 1;
      else if (outcome?.outcome === 'replayed') result.replayed += 1;
      else if (outcome?.outcome === 'in_progress') result.inProgress += 1;
      result.cursor = { receivedAt: row.receivedAt.toISOString(), eventId: row.eventId } satisfies RecoverCursor;
      context.heartbeat(result);
    }
    return result;
  };
}
