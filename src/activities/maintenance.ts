import { Context } from '@temporalio/activity';
import { and, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import { deadLetters, deliveryAttempts, events, sources, subscriptions } from '../db/schema.js';
import type { ActivityDependencies } from './deps.js';
import { emitOperationalEvent } from '../temporal/operational-events.js';
import type { AutoDisableInput, RetentionInput, RetentionResult } from '../domain/maintenance.js';

/** The scheduled maintenance jobs (README "Endpoint health"), as activities. */
export function maintenanceActivities({ db, logger, starter }: ActivityDependencies) {
  return {
    /**
     * Disables (reason `auto_failing`) every enabled subscription with no 2xx for `afterMs` that
     * also had at least `minFailures` failed attempts in that span, and reports each one.
     */
    async autoDisableFailingSubscriptions(input: AutoDisableInput): Promise<string[]> {
      const span = sql`(${input.afterMs} * interval '1 millisecond')`;
      const failing = await db
        .select({ id: subscriptions.id })
        .from(subscriptions)
        .where(
          and(
            eq(subscriptions.enabled, true),
            sql`${subscriptions.failingSince} <= now() - ${span}`,
            sql`(${subscriptions.lastDeliveredAt} is null or ${subscriptions.lastDeliveredAt} <= now() - ${span})`,
            sql`(select count(*) from delivery_attempts a join deliveries d on d.id = a.delivery_id
               where d.subscription_id = ${subscriptions.id} and a.started_at >= now() - ${span}
                 and (a.status_code is null or a.status_code not between 200 and 299)) >= ${input.minFailures}`,
          ),
        );
      if (failing.length === 0) return [];
      const disabled = await db
        .update(subscriptions)
        .set({ enabled: false, disabledReason: 'auto_failing', updatedAt: new Date() })
        .where(
          and(
            inArray(
              subscriptions.id,
              failing.map((s) => s.id),
            ),
            eq(subscriptions.enabled, true),
          ),
        )
        .returning({
          id: subscriptions.id,
          url: subscriptions.url,
          failureStreak: subscriptions.failureStreak,
          failingSince: subscriptions.failingSince,
        });
      for (const subscription of disabled) {
        logger.warn(
          {
            event: 'subscription_auto_disabled',
            subscriptionId: subscription.id,
            failureStreak: subscription.failureStreak,
          },
          'subscription auto-disabled',
        );
        if (starter) {
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
      }
      return disabled.map((s) => s.id);
    },

    /** Drops previous subscription and source secrets whose grace window has ended (dual signing stops). */
    async expirePreviousSecrets(): Promise<{ subscriptions: number; sources: number }> {
      const subs = await db
        .update(subscriptions)
        .set({ previousSecret: null, previousSecretExpiresAt: null })
        .where(sql`${subscriptions.previousSecretExpiresAt} <= now()`)
        .returning({ id: subscriptions.id });
      const srcs = await db
        .update(sources)
        .set({
          secrets: sql`(select jsonb_agg(s) from jsonb_array_elements(${sources.secrets}) s where s->>'expiresAt' is null or (s->>'expiresAt')::timestamptz > now())`,
        })
        .where(
          sql`exists (select 1 from jsonb_array_elements(${sources.secrets}) s where s->>'expiresAt' is not null and (s->>'expiresAt')::timestamptz <= now())`,
        )
        .returning({ id: sources.id });
      return { subscriptions: subs.length, sources: srcs.length };
    },

    /**
     * Deletes attempts, events (with their deliveries) and resolved dead letters older than the
     * retention, in bounded batches; open dead letters and their events are kept.
     */
    async purgeExpiredData(input: RetentionInput): Promise<RetentionResult> {
      const cutoff = new Date(Date.now() - input.retentionDays * 86_400_000);
      const result: RetentionResult = { attempts: 0, events: 0, deadLetters: 0 };
      const batches = async (remove: () => Promise<number>, key: keyof RetentionResult) => {
        for (;;) {
          const removed = await remove();
          result[key] += removed;
          Context.current().heartbeat(result);
          if (removed < input.batchSize) return;
        }
      };
      await batches(
        async () =>
          (
            await db
              .delete(deliveryAttempts)
              .where(
                inArray(
                  deliveryAttempts.id,
                  db
                    .select({ id: deliveryAttempts.id })
                    .from(deliveryAttempts)
                    .where(lt(deliveryAttempts.startedAt, cutoff))
                    .limit(input.batchSize),
                ),
              )
              .returning({ id: deliveryAttempts.id })
          ).length,
        'attempts',
      );
      await batches(
        async () =>
          (
            await db
              .delete(events)
              .where(
                inArray(
                  events.id,
                  db
                    .select({ id: events.id })
                    .from(events)
                    .where(
                      and(
                        lt(events.receivedAt, cutoff),
                        sql`not exists (select 1 from dead_letters dl where dl.event_id = ${events.id} and dl.status = 'open')`,
                      ),
                    )
                    .limit(input.batchSize),
                ),
              )
              .returning({ id: events.id })
          ).length,
        'events',
      );
      await batches(
        async () =>
          (
            await db
              .delete(deadLetters)
              .where(
                inArray(
                  deadLetters.id,
                  db
                    .select({ id: deadLetters.id })
                    .from(deadLetters)
                    .where(and(ne(deadLetters.status, 'open'), lt(deadLetters.createdAt, cutoff)))
                    .limit(input.batchSize),
                ),
              )
              .returning({ id: deadLetters.id })
          ).length,
        'deadLetters',
      );
      logger.info({ event: 'retention_purged', ...result, cutoff: cutoff.toISOString() }, 'retention purge');
      return result;
    },
  };
}
