// The delivery-policy flags of `subscriptions create|update`, turned into the API's body fields.
// Only how the flags combine is checked here; the API validates the values (400 problem+json).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { CliError, exitCodes } from './api-client.js';

export interface PolicyFlags {
  retrySchedule?: string;
  jitter?: number;
  retryInitial?: string;
  retryBackoff?: number;
  retryMaxInterval?: string;
  retryMaxAttempts?: number;
  defaultRetry?: boolean;
  maxInFlight?: number | 'none';
  clearOrderingKey?: boolean;
  ordering?: string;
  orderingKeyPointer?: string;
  orderingKeyHeader?: string;
  onDeadLetter?: string;
}

/** A commander parser for a numeric flag: refuses what is not a number (exit 2), not its range. */
export function numberArg(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed)) throw new InvalidArgumentError('must be a number');
  return parsed;
}

/** `--max-in-flight`: a number, or `none` to lift the cap. */
function maxInFlightArg(value: string): number | 'none' {
  return value === 'none' ? 'none' : numberArg(value);
}

/** Adds the policy flags to `create`, or to `update` (which also gets `--default-retry`). */
export function addPolicyOptions(command: Command, mode: 'create' | 'update'): Command {
  command
    .option('--retry-schedule <delays>', 'fixed delays between attempts, e.g. 5s,5m,30m')
    .addOption(new Option('--jitter <percent>', '± percent each scheduled delay may vary').argParser(numberArg))
    .option('--retry-initial <duration>', 'exponential: first retry interval, e.g. 5s')
    .addOption(new Option('--retry-backoff <n>', 'exponential: backoff coefficient').argParser(numberArg))
    .option('--retry-max-interval <duration>', 'exponential: longest interval between attempts')
    .addOption(new Option('--retry-max-attempts <n>', 'exponential: attempts in all').argParser(numberArg));
  if (mode === 'update')
    command
      .option('--default-retry', 'reset the retry policy to the configured default')
      .option('--clear-ordering-key', 'one FIFO queue for the whole subscription again');
  return command
    .addOption(
      new Option('--max-in-flight <n>', 'at most n deliveries to the endpoint at once (none: no cap)').argParser(
        maxInFlightArg,
      ),
    )
    .addOption(new Option('--ordering <mode>', 'fifo: one at a time, in order').choices(['none', 'fifo']))
    .option('--ordering-key-pointer <pointer>', 'FIFO per value of this JSON pointer, e.g. /data/orderId')
    .option('--ordering-key-header <name>', 'FIFO per value of this stored inbound header, e.g. X-Shopify-Shop-Domain')
    .addOption(
      new Option('--on-dead-letter <mode>', 'what a dead letter does to the queue').choices(['block', 'skip']),
    );
}

const usage = (message: string) => new CliError(message, exitCodes.usage);
const given = (flags: Record<string, unknown>) =>
  Object.entries(flags)
    .filter(([, value]) => value !== undefined)
    .map(([flag]) => flag);

/** The body fields the given flags set (none given: `{}`). Throws a usage error for flags that cannot go together. */
export function policyBody(opts: PolicyFlags): Record<string, unknown> {
  const scheduleFlags = given({ '--retry-schedule': opts.retrySchedule, '--jitter': opts.jitter });
  const exponential = {
    initialInterval: opts.retryInitial,
    backoffCoefficient: opts.retryBackoff,
    maximumInterval: opts.retryMaxInterval,
    maximumAttempts: opts.retryMaxAttempts,
  };
  const exponentialFlags = given({
    '--retry-initial': opts.retryInitial,
    '--retry-backoff': opts.retryBackoff,
    '--retry-max-interval': opts.retryMaxInterval,
    '--retry-max-attempts': opts.retryMaxAttempts,
  });
  if (scheduleFlags.length && exponentialFlags.length)
    throw usage(`${scheduleFlags.join(', ')} cannot be combined with ${exponentialFlags.join(', ')}`);
  if (opts.jitter !== undefined && opts.retrySchedule === undefined) throw usage('--jitter needs --retry-schedule');
  if (opts.defaultRetry && (scheduleFlags.length || exponentialFlags.length))
    throw usage(`--default-retry cannot be combined with ${[...scheduleFlags, ...exponentialFlags].join(', ')}`);
  const keyFlags = given({
    '--ordering-key-pointer': opts.orderingKeyPointer,
    '--ordering-key-header': opts.orderingKeyHeader,
    '--clear-ordering-key': opts.clearOrderingKey,
  });
  if (keyFlags.length > 1) throw usage(`give one of ${keyFlags.join(', ')}`);

  const body: Record<string, unknown> = {};
  if (opts.retrySchedule !== undefined) {
    const schedule = opts.retrySchedule
      .split(',')
      .map((delay) => delay.trim())
      .filter(Boolean);
    body.retryPolicy = opts.jitter === undefined ? { schedule } : { schedule, jitter: opts.jitter };
  } else if (exponentialFlags.length) {
    body.retryPolicy = Object.fromEntries(Object.entries(exponential).filter(([, value]) => value !== undefined));
  } else if (opts.defaultRetry) {
    body.retryPolicy = null;
  }
  if (opts.maxInFlight !== undefined) body.maxInFlight = opts.maxInFlight === 'none' ? null : opts.maxInFlight;
  if (opts.clearOrderingKey) body.orderingKey = null;
  if (opts.ordering !== undefined) body.ordering = opts.ordering;
  if (opts.orderingKeyPointer !== undefined) body.orderingKey = { pointer: opts.orderingKeyPointer };
  if (opts.orderingKeyHeader !== undefined) body.orderingKey = { header: opts.orderingKeyHeader };
  if (opts.onDeadLetter !== undefined) body.onDeadLetter = opts.onDeadLetter;
  return body;
}
