import { Context } from '@temporalio/activity';
import {
  disableAsFailing,
  dropExpiredPreviousSecrets,
  failingSubscriptionIds,
  purgeBatch,
} from '../db/maintenance-queries.js';
import type { ActivityDependencies } from './deps.js';
import { emitOperationalEvent } from '../temporal/operational-event-start.js';
import type { AutoDisableInput, RetentionInput, RetentionResult } from '../domain/maintenance-io.js';

/** The scheduled maintenance jobs (README "Endpoint health"), as activities. */
export function maintenanceActivities(deps: ActivityDependencies) {
  return {
    autoDisableFailingSubscriptions: autoDisableActivity(deps),
    expirePreviousSecrets: () => dropExpiredPreviousSecrets(deps.db),
    purgeExpiredData: retentionActivity(deps),
  };
}

/**
 * Disables (reason `auto_failing`) every enabled subscription with no 2xx for `afterMs` that also
 * had at least `minFailures` failed attempts in that span, and reports each one.
 */
function autoDisableActivity({ db, logger, starter }: ActivityDependencies) {
  return async function autoDisableFailingSubscriptions(input: AutoDisableInput): Promise<string[]> {
    const failing = await failingSubscriptionIds(db, input.afterMs, input.minFailures);
    if (failing.length === 0) return [];
    const disabled = await disableAsFailing(db, failing);
    for (const subscription of disabled) {
      logger.warn(
        {
          event: 'subscription_auto_disabled',
          subscriptionId: subscription.id,
          failureStreak: subscription.failureStreak,
        },
        'subscription auto-disabled',
      );
      if (!starter) continue;
      await emitOperationalEvent(starter, {
        type: 'hookflow.subscription.disabled',
        key: `${subscription.id}:${subscription.failingSince?.toISOString()}`,
        data: {
          subscriptionId: subscription.id,
          url: subscription.url,
          reason: 'auto_failing',
          failureStreak: subscription.failureStreak,
          failingSince: subscription.failingSince?.toISOString() ?? null,
        },
      });
    }
    return disabled.map((s) => s.id);
  };
}

/**
 * Deletes attempts, events (with their deliveries) and resolved dead letters older than the
 * retention, in bounded batches (heartbeating its progress); open dead letters and their events are kept.
 */
function retentionActivity({ db, logger }: ActivityDependencies) {
  return async function purgeExpiredData(input: RetentionInput): Promise<RetentionResult> {
    const cutoff = new Date(Date.now() - input.retentionDays * 86_400_000);
    const result: RetentionResult = { attempts: 0, events: 0, deadLetters: 0 };
    for (const kind of ['attempts', 'events', 'deadLetters'] as const) {
      for (;;) {
        const removed = await purgeBatch[kind](db, cutoff, input.batchSize);
        result[kind] += removed;
        Context.current().heartbeat(result);
        if (removed < input.batchSize) break;
      }
    }
    logger.info({ event: 'retention_purged', ...result, cutoff: cutoff.toISOString() }, 'retention purge');
    return result;
  };
}
