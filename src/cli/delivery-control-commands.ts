// The delivery-control flags of `subscriptions create|update` (filter, transform, circuit breaker) and
// the commands that try them or hold a subscription: filter-test, transform-test, pause, resume.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { apiClientFromEnv, CliError, exitCodes } from './api-client.js';
import { printObject, progress } from './output.js';

export interface ControlFlags {
  filter?: string;
  transform?: string;
  circuitBreaker?: string;
  clearFilter?: boolean;
  clearTransform?: boolean;
}

const usage = (message: string) => new CliError(message, exitCodes.usage);
const path = (id: string, action: string) => `/v1/subscriptions/${encodeURIComponent(id)}${action}`;

/** A flag's text, or the contents of the file it names with a leading `@`. */
function textOrFile(value: string): string {
  if (!value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8');
  } catch (error) {
    throw usage(`cannot read ${value.slice(1)}: ${(error as Error).message}`);
  }
}

function jsonFlag(flag: string, value: string): unknown {
  try {
    return JSON.parse(textOrFile(value)) as unknown;
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw usage(`${flag} must be JSON (or @file): ${(error as Error).message}`);
  }
}

/** Adds --filter, --transform and --circuit-breaker (and, on update, the flags that clear them). */
export function addControlOptions(command: Command, mode: 'create' | 'update'): Command {
  command
    .option('--filter <json>', 'payload filter (JSON, or @file), e.g. \'{"data.total":{"$gte":100}}\'')
    .option('--transform <jsonata>', 'JSONata transformation of the body sent (or @file)')
    .option('--circuit-breaker <threshold,interval|off>', 'e.g. 10,30s; off turns it off');
  if (mode === 'update')
    command
      .option('--clear-filter', 'deliver every event of its types and sources again')
      .option('--clear-transform', 'send the standard envelope again');
  return command;
}

/** The body fields the given control flags set. */
export function controlBody(opts: ControlFlags): Record<string, unknown> {
  if (opts.filter !== undefined && opts.clearFilter) throw usage('give --filter or --clear-filter, not both');
  if (opts.transform !== undefined && opts.clearTransform)
    throw usage('give --transform or --clear-transform, not both');
  const body: Record<string, unknown> = {};
  if (opts.filter !== undefined) body.filter = jsonFlag('--filter', opts.filter);
  if (opts.clearFilter) body.filter = null;
  if (opts.transform !== undefined) body.transform = textOrFile(opts.transform);
  if (opts.clearTransform) body.transform = null;
  if (opts.circuitBreaker !== undefined) body.circuitBreaker = circuitBreakerArg(opts.circuitBreaker);
  return body;
}

function circuitBreakerArg(value: string): { failureThreshold: number; probeInterval: string } | null {
  if (value === 'off') return null;
  const [threshold, interval] = value.split(',').map((part) => part.trim());
  if (!threshold || !interval || !/^\d+$/.test(threshold))
    throw usage('--circuit-breaker takes <failures>,<probe interval> (e.g. 10,30s) or off');
  return { failureThreshold: Number(threshold), probeInterval: interval };
}

interface SampleFlags {
  payload: string;
  type?: string;
  source?: string;
  json?: boolean;
}

/** `subscriptions filter-test|transform-test <id> --payload <json>`, `pause|resume <id>` and `recover <id>`. */
export function registerControlCommands(subscriptions: Command): void {
  registerRecover(subscriptions);
  for (const [name, description] of [
    ['filter-test', "would the subscription's filter let this payload through, and why"],
    ['transform-test', "what the subscription's transform sends for this payload"],
  ] as const) {
    subscriptions
      .command(name)
      .description(description)
      .argument('<id>')
      .requiredOption('--payload <json>', 'the sample event payload (JSON, or @file)')
      .option('--type <eventType>', 'the sample event type')
      .option('--source <sourceId>', 'the sample source id')
      .option('--json', 'print JSON')
      .action(async (id: string, opts: SampleFlags) => {
        const sample = { payload: jsonFlag('--payload', opts.payload), type: opts.type, source: opts.source };
        printObject(await apiClientFromEnv().post(path(id, `/${name}`), sample), !!opts.json);
      });
  }
  for (const [name, description] of [
    ['pause', 'hold its deliveries (no attempts, no retry budget spent) until resumed'],
    ['resume', 'release its held deliveries'],
  ] as const) {
    subscriptions
      .command(name)
      .description(description)
      .argument('<id>')
      .option('--json', 'print JSON')
      .action(async (id: string, opts: { json?: boolean }) => {
        printObject(await apiClientFromEnv().post(path(id, `/${name}`)), !!opts.json);
      });
  }
}

interface Recovery {
  workflowId: string;
  status: string;
  progress: { scanned: number; redelivered: number; replayed: number; inProgress: number; done: boolean } | null;
}

/** `subscriptions recover <id> --since … [--until …] [--all]`: starts a recovery and shows its progress until it ends. */
function registerRecover(subscriptions: Command): void {
  subscriptions
    .command('recover')
    .description('resend its deliveries of a time window (dead-lettered ones, or --all), in acceptance order')
    .argument('<id>')
    .requiredOption('--since <time>', 'events accepted at or after this time (ISO 8601)')
    .option('--until <time>', 'events accepted before this time (default: now)')
    .option('--all', 'every delivery, delivered ones too (default: the dead-lettered ones)')
    .option('--no-wait', 'print the workflow id and return at once')
    .option('--json', 'print JSON')
    .action(
      async (id: string, opts: { since: string; until?: string; all?: boolean; wait: boolean; json?: boolean }) => {
        const client = apiClientFromEnv();
        const started = await client.post<{ workflowId: string; recoveryId: string; deliveries: number }>(
          path(id, '/recover'),
          { since: opts.since, ...(opts.until ? { until: opts.until } : {}), status: opts.all ? 'all' : 'failed' },
        );
        if (!opts.wait) return printObject(started, !!opts.json);
        process.stderr.write(`${started.workflowId}: ${started.deliveries} deliveries in the window\n`);
        for (;;) {
          const recovery = await client.get<Recovery>(path(id, `/recover/${started.recoveryId}`));
          const p = recovery.progress;
          if (p)
            progress(
              Math.min(p.scanned, started.deliveries),
              started.deliveries,
              ` (${p.redelivered + p.replayed} resent)`,
            );
          if (recovery.status !== 'running') {
            printObject({ workflowId: recovery.workflowId, status: recovery.status, ...(p ?? {}) }, !!opts.json);
            if (recovery.status !== 'completed')
              throw new CliError(`the recovery ended ${recovery.status}`, exitCodes.partial);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      },
    );
}
