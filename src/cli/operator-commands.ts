import type { Command } from 'commander';
import { apiClientFromEnv, CliError, exitCodes } from './api-client.js';
import { printObject, printRows, progress } from './output.js';

function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The filters dead letters are listed and replayed by. */
function withDeadLetterFilters(command: Command): Command {
  return command
    .option('--subscription <id>')
    .option('--source <id>')
    .option('--reason <reason>')
    .option('--since <time>');
}

/** `events list|show|redeliver`, `dead-letters list|show|discard`, `replay`. */
export function registerOperatorCommands(program: Command): void {
  registerEventCommands(program);
  registerDeadLetterCommands(program);
  registerReplayCommand(program);
}

/** `events list|show|redeliver`. */
function registerEventCommands(program: Command): void {
  const eventsCommand = program.command('events').description('inspect the event log');
  eventsCommand
    .command('list')
    .option('--source <id>')
    .option('--status <status>')
    .option('--type <eventType>')
    .option('--since <time>')
    .option('--json', 'print JSON')
    .action(async (opts: { source?: string; status?: string; type?: string; since?: string; json?: boolean }) => {
      const rows = await apiClientFromEnv().getAll<Record<string, unknown>>(
        `/v1/events${query({ sourceId: opts.source, status: opts.status, eventType: opts.type, since: opts.since })}`,
        1_000,
      );
      printRows(rows, ['id', 'sourceId', 'eventType', 'status', 'receivedAt'], !!opts.json);
    });
  eventsCommand
    .command('show')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const event = await apiClientFromEnv().get<
        Record<string, unknown> & {
          deliveries: { id: string; subscriptionId: string; status: string; attempts: Record<string, unknown>[] }[];
        }
      >(`/v1/events/${encodeURIComponent(id)}`);
      if (opts.json) return printObject(event, true);
      const { deliveries, payload, ...summary } = event;
      printObject(summary, false);
      for (const delivery of deliveries) {
        process.stdout.write(`\ndelivery ${delivery.id} → ${delivery.subscriptionId}: ${delivery.status}\n`);
        printRows(delivery.attempts, ['attempt', 'statusCode', 'durationMs', 'startedAt', 'error'], false);
      }
      void payload;
    });
  eventsCommand
    .command('redeliver')
    .description('resend an event (delivered or not) to all of its subscriptions, or only those named; same webhook-id')
    .argument('<id>')
    .option('--subscription <id...>', 'only these subscriptions')
    .option('--reason <text>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { subscription?: string[]; reason?: string; json?: boolean }) => {
      const answer = await apiClientFromEnv().post<{ deliveries: Record<string, unknown>[] }>(
        `/v1/events/${encodeURIComponent(id)}/redeliver`,
        {
          ...(opts.subscription ? { subscriptionIds: opts.subscription } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
        },
      );
      if (opts.json) return printObject(answer, true);
      printRows(answer.deliveries, ['subscriptionId', 'deliveryId', 'outcome', 'workflowId'], false);
    });
}

/** `dead-letters list|show|discard`. */
function registerDeadLetterCommands(program: Command): void {
  const deadLetters = program.command('dead-letters').description('inspect and resolve dead letters');
  const deadLetterList = deadLetters.command('list').option('--status <status>', 'open | replayed | discarded', 'open');
  withDeadLetterFilters(deadLetterList)
    .option('--json', 'print JSON')
    .action(
      async (opts: {
        status: string;
        subscription?: string;
        source?: string;
        reason?: string;
        since?: string;
        json?: boolean;
      }) => {
        const rows = await apiClientFromEnv().getAll<Record<string, unknown>>(
          `/v1/dead-letters${query({ status: opts.status, subscriptionId: opts.subscription, sourceId: opts.source, reason: opts.reason, since: opts.since })}`,
        );
        printRows(
          rows,
          ['id', 'stage', 'reason', 'subscriptionId', 'eventId', 'attempts', 'status', 'replayCount', 'createdAt'],
          !!opts.json,
        );
      },
    );
  deadLetters
    .command('show')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      printObject(await apiClientFromEnv().get(`/v1/dead-letters/${encodeURIComponent(id)}`), !!opts.json);
    });
  deadLetters
    .command('discard')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      printObject(await apiClientFromEnv().post(`/v1/dead-letters/${encodeURIComponent(id)}/discard`), !!opts.json);
    });
}

/** `replay <id>`, or every open dead letter matching the filters, with progress. */
function registerReplayCommand(program: Command): void {
  const replay = program
    .command('replay')
    .description('replay one dead letter by id, or every open one matching --subscription/--source/--reason/--since')
    .argument('[id]', 'dead letter id');
  withDeadLetterFilters(replay)
    .option('--json', 'print JSON')
    .action(
      async (
        id: string | undefined,
        opts: { subscription?: string; source?: string; reason?: string; since?: string; json?: boolean },
      ) => {
        const client = apiClientFromEnv();
        if (id) return printObject(await client.post(`/v1/dead-letters/${encodeURIComponent(id)}/replay`), !!opts.json);
        if (!opts.subscription && !opts.source && !opts.reason && !opts.since)
          throw new CliError(
            'give a dead letter id or at least one filter (--subscription, --source, --reason, --since)',
            exitCodes.usage,
          );
        // One at a time, so the operator sees progress and a failure stops with an exact count.
        const open = await client.getAll<{ id: string }>(
          `/v1/dead-letters${query({ status: 'open', subscriptionId: opts.subscription, sourceId: opts.source, reason: opts.reason, since: opts.since })}`,
        );
        let done = 0;
        const failed: string[] = [];
        for (const row of open) {
          try {
            await client.post(`/v1/dead-letters/${row.id}/replay`);
          } catch (error) {
            if (error instanceof CliError && error.exitCode === exitCodes.unreachable) throw error;
            failed.push(row.id);
          }
          progress(++done, open.length);
        }
        printObject({ matched: open.length, replayed: open.length - failed.length, failed }, !!opts.json);
        if (failed.length) throw new CliError(`${failed.length} replays failed`, exitCodes.partial);
      },
    );
}
