// Inputs of the maintenance workflows (type-only: the workflow sandbox imports it).

export interface AutoDisableInput {
  /** No 2xx for this long… */
  afterMs: number;
  /** …and at least this many failed attempts within that span. */
  minFailures: number;
}

export interface RetentionInput {
  retentionDays: number;
  /** Rows per DELETE statement, so no statement holds locks for long. */
  batchSize: number;
}

export interface RetentionResult {
  attempts: number;
  events: number;
  deadLetters: number;
}
