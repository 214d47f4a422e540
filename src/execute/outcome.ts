/** What the lockfile records of a placement. */
export type EntryStatus = 'placed' | 'failed' | 'unknown';

/**
 * The one result type of a placement, shared by execute, state and report. `missed`: a
 * slot whose deadline passed before its first attempt could start — nothing was sent and
 * nothing is recorded, as for a slot that fell due while callops was not running.
 */
export type OutcomeStatus = EntryStatus | 'missed';

/**
 * The message of a `failed` outcome whose request never left: a stop came after its claim,
 * before the send (a retry's wait included). Nothing happened at the gateway for it.
 */
export const NOT_SENT_INTERRUPTED = 'interrupted before the request was sent';

/** The same, of a claim whose commit found that the run had lost its run lock. */
export const NOT_SENT_LOCK_LOST = 'not sent: the run lost its run lock before the request left';

/**
 * Whether an outcome closes an attempt that never left (above): a journal folding it gives
 * the key no entry, as the run itself did, so the call stays due as if never started.
 */
export const neverSent = (o: Outcome): boolean =>
  o.status === 'failed' && (o.message === NOT_SENT_INTERRUPTED || o.message === NOT_SENT_LOCK_LOST);

/**
 * What an ExecuteContext's `beforeSend` throws for a call that is no longer due though the
 * run goes on (a later slot of its call was placed first): it ends `missed`, with this
 * message, and nothing more is sent for it. A claim made for it is the caller's to give up.
 */
export class NoLongerDue extends Error {
  override readonly name = 'NoLongerDue';
}

/**
 * What an ExecuteContext's `beforeSend` throws for a call the run stopped for before its
 * request left (its campaign's CSV changed under it): it ends as a stop ends it
 * (NOT_SENT_INTERRUPTED): nothing happened at the gateway, the call stays due. A claim held
 * for it is the caller's to give up.
 */
export class StoppedBeforeSend extends Error {
  override readonly name = 'StoppedBeforeSend';
}

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

/** How many outcomes of a run had each status. */
export type OutcomeCounts = Readonly<Record<OutcomeStatus, number>>;

export const noOutcomes = (): Record<OutcomeStatus, number> => ({
  placed: 0,
  failed: 0,
  unknown: 0,
  missed: 0,
});

/** The counts of `outcomes`, added to `to` (a fresh count by default). */
export const tallyOutcomes = (
  outcomes: readonly Outcome[],
  to: Record<OutcomeStatus, number> = noOutcomes(),
): Record<OutcomeStatus, number> => {
  for (const o of outcomes) to[o.status] += 1;
  return to;
};
