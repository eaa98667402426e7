// No vitest imports: the soak benchmark (bench/soak/ingest.ts) drives ingest with this too.
import { courierEnvelope, postHmacWebhook } from './send.js';

/** One ingress request as the partner saw it. */
export interface IngestResult {
  idempotencyKey: string;
  /** HTTP status, or 0 when no answer came (connection refused/reset). */
  status: number;
  eventId?: string;
  duplicate?: boolean;
  retryAfter: string | null;
  contentType: string | null;
  /** The problem's `detail` when refused. */
  detail?: string;
  startedAt: number;
  finishedAt: number;
  error?: string;
}

export interface IngestOptions {
  baseUrl: string;
  sourceId: string;
  secret: string;
  /** Parallel senders, each sending one request at a time. */
  concurrency: number;
  /** Pause of each sender between requests. */
  pauseMs: number;
  keyPrefix: string;
  /** Event type of the courier envelope (default shipment.delivered). */
  eventType?: string;
}

export interface IngestRun {
  results: IngestResult[];
  /** Stops the senders and waits for the requests in flight. */
  stop(): Promise<IngestResult[]>;
}

/** Sends one courier event with the generic HMAC scheme and records how ingress answered. */
export async function sendCourierEvent(
  options: Pick<IngestOptions, 'baseUrl' | 'sourceId' | 'secret' | 'eventType'>,
  idempotencyKey: string,
): Promise<IngestResult> {
  const startedAt = Date.now();
  try {
    const response = await postHmacWebhook(
      options.baseUrl,
      options.sourceId,
      options.secret,
      courierEnvelope({ idempotencyKey, ...(options.eventType ? { eventType: options.eventType } : {}) }),
    );
    const text = await response.text();
    const body =
      response.headers.get('content-type')?.includes('json') && text
        ? (JSON.parse(text) as { eventId?: string; duplicate?: boolean; detail?: string })
        : {};
    return {
      idempotencyKey,
      status: response.status,
      eventId: body.eventId,
      duplicate: body.duplicate,
      detail: body.detail,
      retryAfter: response.headers.get('retry-after'),
      contentType: response.headers.get('content-type'),
      startedAt,
      finishedAt: Date.now(),
    };
  } catch (error) {
    return {
      idempotencyKey,
      status: 0,
      retryAfter: null,
      contentType: null,
      startedAt,
      finishedAt: Date.now(),
      error: String((error as Error).cause ?? error),
    };
  }
}

/** Steady ingest: `concurrency` senders posting fresh events until stopped. */
export function startIngest(options: IngestOptions): IngestRun {
  const results: IngestResult[] = [];
  let stopped = false;
  let next = 0;
  const sender = async () => {
    while (!stopped) {
      results.push(await sendCourierEvent(options, `${options.keyPrefix}-${next++}`));
      if (!stopped) await new Promise((r) => setTimeout(r, options.pauseMs));
    }
  };
  const senders = Array.from({ length: options.concurrency }, sender);
  return {
    results,
    async stop() {
      stopped = true;
      await Promise.all(senders);
      return results;
    },
  };
}
