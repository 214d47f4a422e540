/** The one result type of a placement, shared by execute, state and report. */
export type OutcomeStatus = 'placed' | 'failed' | 'unknown';

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
