// Pure: the policies travel in workflow input, because workflows cannot read config.

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
  /** Lanes one workflow runs itself; more are split into `fanout:` children of at most this many. */
  fanoutInlineMax: number;
  /** How long a dispatcher holds each arrival before admitting it in acceptance order (ORDERING_REORDER_WINDOW). */
  orderingReorderWindowMs: number;
  /** Admissions per dispatcher run before it continues as new (DISPATCHER_ADMISSIONS_PER_RUN). */
  dispatcherAdmissionsPerRun: number;
}
