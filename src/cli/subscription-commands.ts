import type { Command } from 'commander';
import { apiClientFromEnv } from './api-client.js';
import { printObject, printRows } from './output.js';

const columns = ['id', 'url', 'enabled', 'disabledReason', 'eventTypes', 'sourceIds', 'lastDeliveredAt'];
const path = (id: string, action = '') => `/v1/subscriptions/${encodeURIComponent(id)}${action}`;

/** `hookflow subscriptions list|create|rotate|enable|disable|test`. */
export function registerSubscriptionCommands(program: Command): void {
  const subscriptions = program
    .command('subscriptions')
    .description('manage subscriptions (where events are delivered)');
  subscriptions
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const rows = await apiClientFromEnv().getAll<Record<string, unknown>>('/v1/subscriptions');
      printRows(rows, columns, !!opts.json);
    });
  subscriptions
    .command('create')
    .argument('<url>', 'endpoint URL')
    .option('--event-types <patterns>', 'comma-separated patterns (a.b, a.*, *)', '*')
    .option('--sources <ids>', 'comma-separated source ids (default: all)')
    .option('--description <text>')
    .option('--header <name:value...>', 'static header(s) to send')
    .option('--json', 'print JSON')
    .action(
      async (
        url: string,
        opts: { eventTypes: string; sources?: string; description?: string; header?: string[]; json?: boolean },
      ) => {
        const headers = Object.fromEntries(
          (opts.header ?? []).map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()]),
        );
        const created = await apiClientFromEnv().post<Record<string, unknown>>('/v1/subscriptions', {
          url,
          eventTypes: opts.eventTypes.split(',').map((s) => s.trim()),
          sourceIds: opts.sources ? opts.sources.split(',').map((s) => s.trim()) : [],
          description: opts.description,
          headers,
        });
        printObject(created, !!opts.json);
      },
    );
  subscriptions
    .command('rotate')
    .argument('<id>')
    .option('--grace <seconds>', 'how long the old secret keeps co-signing', Number)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { grace?: number; json?: boolean }) => {
      printObject(
        await apiClientFromEnv().post(
          path(id, '/rotate-secret'),
          opts.grace === undefined ? {} : { graceSeconds: opts.grace },
        ),
        !!opts.json,
      );
    });
  subscriptions
    .command('enable')
    .argument('<id>')
    .option('--replay-since <time>', 'also replay the open dead letters since then')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { replaySince?: string; json?: boolean }) => {
      printObject(
        await apiClientFromEnv().post(path(id, '/enable'), opts.replaySince ? { replaySince: opts.replaySince } : {}),
        !!opts.json,
      );
    });
  subscriptions
    .command('disable')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      printObject(await apiClientFromEnv().post(path(id, '/disable')), !!opts.json);
    });
  subscriptions
    .command('test')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      printObject(await apiClientFromEnv().post(path(id, '/test')), !!opts.json);
    });
}
