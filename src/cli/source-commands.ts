import type { Command } from 'commander';
import { apiClientFromEnv } from './api-client.js';
import { printObject, printRows } from './output.js';

/** `hookflow sources list|create|rotate`. */
export function registerSourceCommands(program: Command): void {
  const sources = program.command('sources').description('manage sources (who may send webhooks)');
  sources
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const all = await apiClientFromEnv().getAll<Record<string, unknown>>('/v1/sources');
      printRows(all, ['id', 'scheme', 'enabled', 'ingressUrl', 'rateLimitPerMinute', 'maxBodyBytes'], !!opts.json);
    });
  sources
    .command('create')
    .argument('<id>', 'slug, e.g. stripe')
    .requiredOption('--scheme <scheme>', 'standard-webhooks | stripe | github | shopify | hmac-sha256')
    .requiredOption('--secret <secret>', "the provider's signing secret")
    .option('--tolerance <seconds>', 'timestamp tolerance', Number)
    .option('--rate-limit <perMinute>', 'requests per minute', Number)
    .option('--max-body-bytes <bytes>', 'body size limit', Number)
    .option('--json', 'print JSON')
    .action(
      async (
        id: string,
        opts: {
          scheme: string;
          secret: string;
          tolerance?: number;
          rateLimit?: number;
          maxBodyBytes?: number;
          json?: boolean;
        },
      ) => {
        const created = await apiClientFromEnv().post<Record<string, unknown>>('/v1/sources', {
          id,
          scheme: opts.scheme,
          secret: opts.secret,
          toleranceSeconds: opts.tolerance,
          rateLimitPerMinute: opts.rateLimit,
          maxBodyBytes: opts.maxBodyBytes,
        });
        printObject(created, !!opts.json);
      },
    );
  sources
    .command('rotate')
    .argument('<id>', 'source id')
    .requiredOption('--secret <secret>', 'the new signing secret')
    .option('--grace <seconds>', 'how long the old secret stays valid', Number)
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { secret: string; grace?: number; json?: boolean }) => {
      const rotated = await apiClientFromEnv().post<Record<string, unknown>>(
        `/v1/sources/${encodeURIComponent(id)}/rotate-secret`,
        { secret: opts.secret, graceSeconds: opts.grace },
      );
      printObject(rotated, !!opts.json);
    });
}
