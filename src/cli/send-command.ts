import type { Command } from 'commander';
import { schemeNames, type SchemeName } from '../domain/vocabulary.js';
import { signPartnerRequest } from '../schemes/index.js';
import { sampleBody } from './sample-bodies.js';
import { CliError, exitCodes } from './api-client.js';
import { printObject } from './output.js';

/** `hookflow send <sourceId>`: signs a sample (or given) webhook like the partner would and POSTs it. */
export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('sign and POST a webhook to a source, as the partner would (the partner-side test tool)')
    .argument('<sourceId>', 'source to send to')
    .requiredOption('--scheme <scheme>', `signature scheme: ${schemeNames.join(', ')}`)
    .requiredOption('--secret <secret>', "the source's signing secret")
    .option('--data <json>', 'body to send (default: a sample body for the scheme)')
    .option('--id <id>', 'delivery id / idempotency key to use')
    .option('--event-type <type>', 'event type to put in the sample body or headers')
    .option('--timestamp <unix>', 'signature timestamp (default: now)')
    .option('--url <url>', 'Hookflow base URL (default: $HOOKFLOW_URL or http://127.0.0.1:3000)')
    .option('--json', 'print the response as JSON')
    .action(
      async (
        sourceId: string,
        opts: {
          scheme: string;
          secret: string;
          data?: string;
          id?: string;
          eventType?: string;
          timestamp?: string;
          url?: string;
          json?: boolean;
        },
      ) => {
        if (!schemeNames.includes(opts.scheme as SchemeName))
          throw new CliError(`unknown scheme "${opts.scheme}" (use one of ${schemeNames.join(', ')})`, exitCodes.usage);
        const scheme = opts.scheme as SchemeName;
        const body = opts.data ?? JSON.stringify(sampleBody(scheme, { id: opts.id, eventType: opts.eventType }));
        const headers = signPartnerRequest({
          scheme,
          secret: opts.secret,
          body,
          id: opts.id,
          eventType: opts.eventType,
          timestampSeconds: opts.timestamp ? Number(opts.timestamp) : undefined,
        });
        const baseUrl = opts.url ?? process.env.HOOKFLOW_URL ?? 'http://127.0.0.1:3000';
        let response: Response;
        try {
          response = await fetch(new URL(`/v1/webhooks/${encodeURIComponent(sourceId)}`, baseUrl), {
            method: 'POST',
            headers,
            body,
          });
        } catch (error) {
          throw new CliError(`Cannot reach Hookflow at ${baseUrl}: ${(error as Error).message}`, exitCodes.unreachable);
        }
        const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
        if (!response.ok)
          throw new CliError(
            `${response.status} ${String(answer.title ?? '')}: ${String(answer.detail ?? '')}`,
            exitCodes.apiError,
            answer,
          );
        printObject({ status: response.status, ...answer }, !!opts.json);
      },
    );
}
