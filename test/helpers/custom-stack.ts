import { startTestStack, type TestStack } from './stack.js';

export interface CustomStackOptions {
  /** Temporal frontend to use instead of the suite's (e.g. a dev server the test stops and restarts). */
  temporalAddress?: string;
  /** PostgreSQL database to use instead of the suite's (e.g. an embedded cluster the test stops). */
  databaseUrl?: string;
  /** Config overrides, as for `startTestStack`. */
  env?: Record<string, string>;
  /** Start the in-process worker (default true). */
  worker?: boolean;
}

/** `startTestStack` against infrastructure a test owns (its own Temporal and/or database). */
export function startCustomStack(options: CustomStackOptions = {}): Promise<TestStack> {
  return startTestStack(options.env ?? {}, {
    worker: options.worker,
    temporalAddress: options.temporalAddress,
    databaseUrl: options.databaseUrl,
  });
}
