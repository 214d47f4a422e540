/** What the lockfile records of a placement. */
export type EntryStatus = 'placed' | 'failed' | 'unknown';

/**
 * The one result type of a placement, shared by execute, state and report. `missed`: a
 * slot whose deadline passed before its first attempt could start — nothing was sent and
 * nothing is recorded, as for a slot that fell due while callops was not running.
 */
export type OutcomeStatus = EntryStatus | 'missed';

export interface Outcome {
  readonly key: string;
  readonly status: OutcomeStatus;
  /** ISO-8601 UTC instant the outcome was decided. */
  readonly at: string;
  readonly sid?: string;
  readonly callId?: string;
  readonly httpStatus?: number;
  /** The gateway's message (redacted), or why the call ended this way. */
  readonly message?: string;
  /** How many HTTP attempts were made. */
  readonly attempts?: number;
}
