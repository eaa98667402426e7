import type { Command } from 'commander';
import { apiClientFromEnv, CliError, exitCodes } from './api-client.js';
import { addPolicyOptions, policyBody, type PolicyFlags } from './delivery-policy-flags.js';
import {
  addControlOptions,
  controlBody,
  registerControlCommands,
  type ControlFlags,
} from './delivery-control-commands.js';
import { printObject, printRows } from './output.js';

const columns = ['id', 'url', 'enabled', 'disabledReason', 'eventTypes', 'sourceIds', 'ordering', 'lastDeliveredAt'];
const path = (id: string, action = '') => `/v1/subscriptions/${encodeURIComponent(id)}${action}`;
const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const headerMap = (headers: string[]) =>
  Object.fromEntries(
    headers.map((h) => [h.slice(0, h.indexOf(':')).trim(), h.slice(h.indexOf(':') + 1).trim()] as const),
  );

interface TargetFlags {
  url?: string;
  eventTypes?: string;
  sources?: string;
  description?: string;
  header?: string[];
  json?: boolean;
}

/** `hookflow subscriptions list|show|create|update|delete|rotate|enable|disable|test|filter-test|transform-test|pause|resume`. */
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
    .command('show')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      printObject(await apiClientFromEnv().get<Record<string, unknown>>(path(id)), !!opts.json);
    });
  registerCreate(subscriptions);
  registerUpdate(subscriptions);
  registerLifecycle(subscriptions);
  registerControlCommands(subscriptions);
}

/** `subscriptions create <url>` with its delivery-policy flags. */
function registerCreate(subscriptions: Command): void {
  const create = subscriptions
    .command('create')
    .argument('<url>', 'endpoint URL')
    .option('--event-types <patterns>', 'comma-separated patterns (a.b, a.*, *)', '*')
    .option('--sources <ids>', 'comma-separated source ids (default: all)')
    .option('--description <text>')
    .option('--header <name:value...>', 'static header(s) to send');
  addControlOptions(addPolicyOptions(create, 'create'), 'create')
    .option('--json', 'print JSON')
    .action(async (url: string, opts: TargetFlags & PolicyFlags & ControlFlags & { eventTypes: string }) => {
      const policy = { ...policyBody(opts), ...controlBody(opts) };
      const created = await apiClientFromEnv().post<Record<string, unknown>>('/v1/subscriptions', {
        url,
        eventTypes: list(opts.eventTypes),
        sourceIds: opts.sources ? list(opts.sources) : [],
        description: opts.description,
        headers: headerMap(opts.header ?? []),
        ...policy,
      });
      printObject(created, !!opts.json);
    });
}

/** `subscriptions update <id>`: only the fields given. */
function registerUpdate(subscriptions: Command): void {
  const update = subscriptions
    .command('update')
    .description('change only the fields given (retry flags replace the whole retry policy)')
    .argument('<id>')
    .option('--url <url>', 'endpoint URL')
    .option('--event-types <patterns>', 'comma-separated patterns (a.b, a.*, *)')
    .option('--sources <ids>', 'comma-separated source ids ("" for all)')
    .option('--description <text>')
    .option('--header <name:value...>', 'static header(s) to send (replace the current ones)');
  addControlOptions(addPolicyOptions(update, 'update'), 'update')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: TargetFlags & PolicyFlags & ControlFlags) => {
      const body: Record<string, unknown> = {
        ...(opts.url === undefined ? {} : { url: opts.url }),
        ...(opts.eventTypes === undefined ? {} : { eventTypes: list(opts.eventTypes) }),
        ...(opts.sources === undefined ? {} : { sourceIds: list(opts.sources) }),
        ...(opts.description === undefined ? {} : { description: opts.description }),
        ...(opts.header === undefined ? {} : { headers: headerMap(opts.header) }),
        ...policyBody(opts),
        ...controlBody(opts),
      };
      if (Object.keys(body).length === 0)
        throw new CliError('nothing to update: give at least one flag', exitCodes.usage);
      const { body: updated } = await apiClientFromEnv().request<Record<string, unknown>>('PATCH', path(id), body);
      printObject(updated, !!opts.json);
    });
}

/** `subscriptions delete|rotate|enable|disable|test <id>`. */
function registerLifecycle(subscriptions: Command): void {
  subscriptions
    .command('delete')
    .description('delete a subscription (its pending deliveries dead-letter as subscription_disabled)')
    .argument('<id>')
    .action(async (id: string) => {
      await apiClientFromEnv().request('DELETE', path(id));
      process.stdout.write(`deleted ${id}\n`);
    });
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
