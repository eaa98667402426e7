import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';

/** How an activity ended in failure: its ApplicationFailure if it threw one, and a message for people. */
export interface ActivityEnding {
  failure: ApplicationFailure | undefined;
  message: string;
}

/**
 * How an activity — regular or local — failed, read the same way live and on replay. Regular
 * activities fail with an ActivityFailure around the cause. A local activity does too when it runs
 * live, but its marker keeps only the cause: on replay a local activity that timed out fails with
 * the bare TimeoutFailure, and one that was not retried may fail with the bare ApplicationFailure.
 * Code that branched on `instanceof ActivityFailure` therefore took another branch on replay
 * (a run whose local delivery attempt timed out failed to replay: docs/architecture.md, "Every
 * history replays"). Undefined for anything else (a cancellation, a bug), which the caller rethrows.
 */
export function activityEnding(error: unknown): ActivityEnding | undefined {
  if (error instanceof ActivityFailure)
    return {
      failure: error.cause instanceof ApplicationFailure ? error.cause : undefined,
      message: error.cause?.message ?? error.message,
    };
  if (error instanceof ApplicationFailure) return { failure: error, message: error.message };
  if (error instanceof TimeoutFailure) return { failure: undefined, message: error.message };
  return undefined;
}
