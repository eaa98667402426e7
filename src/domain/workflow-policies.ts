// Pure: the policies travel in workflow input, because workflows cannot read config. Only what shapes
// the workflow's own commands (timeouts, retry policies, timers) is here; limits the worker applies in
// its activities (FANOUT_INLINE_MAX, ORDERING_REORDER_WINDOW, DISPATCHER_ADMISSIONS_PER_RUN) it reads
// from its own config.

/** A retry policy as plain JSON. */
export interface RetrySettings {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

/** Every retry policy and timeout Hookflow's workflows use, named for what they govern. */
export interface WorkflowPolicies {
  processingRetry: RetrySettings;
  deliveryRetry: RetrySettings;
  /** Per-attempt HTTP timeout; the activity's start-to-close adds headroom for bookkeeping. */
  deliveryTimeoutMs: number;
  deadLetterReplayWindowMs: number;
  /** Whether a lane's first attempt runs as a local activity (DELIVERY_FIRST_ATTEMPT_LOCAL). */
  firstAttemptLocal: boolean;
}
