import type { RowProgress } from './redial.js';

/**
 * A recipient row's state in `status --campaign` and `report`, by its latest attempt:
 * - answered: an attempt was answered;
 * - busy / no-answer / failed: the latest attempt ended so and no further one will be placed;
 * - placed: an attempt is placed (the gateway gave it a sid) and its outcome is not known yet;
 * - in-flight: a run still going is placing an attempt (its request may not have left, or
 *   been refused, yet): that run records what became of it. Not `placed`, which a request
 *   then refused would have been reported as; not `unknown`, which asks a person to decide;
 * - unknown: an attempt may have left and nobody knows (`callops resolve` decides);
 * - suppressed: on a do-not-call list and never called;
 * - held: never placed, and never will be: the campaign already dialled its number under
 *   another row, or another row of the run dials it (a number is called once per campaign,
 *   but with `shared_numbers: true`; the plan lists it as skipped, `not placed: …`); so after
 *   `end` too, where it is not expired;
 * - expired: the campaign's `end` passed, or its hours do not open again before it, and the
 *   row was never reached (never placed);
 * - waiting: a first call, retry or redial is still to come (a row edited since its latest
 *   placed attempt is not redialled: it stands at that attempt's outcome). A row of a
 *   campaign with cron/at waits while a slot is left; once none is, a row never placed is
 *   expired and one whose latest slot's request was refused is failed.
 * A row reached before `end` is never expired: once `end` passed, a redial it waited for is
 * not placed and it stands at its latest attempt's outcome; so does a row whose next redial
 * would come at or after `end`.
 */
export const ROW_STATES = [
  'placed',
  'in-flight',
  'answered',
  'busy',
  'no-answer',
  'failed',
  'unknown',
  'suppressed',
  'held',
  'expired',
  'waiting',
] as const;
export type RowState = (typeof ROW_STATES)[number];

export interface RowContext {
  /** On a do-not-call list now. */
  readonly suppressed: boolean;
  /**
   * Its number was dialled under another row of its campaign (keyed by position), or an
   * earlier row of the same run dials it: the plan holds it back, it is never placed.
   */
  readonly held?: boolean;
  /** The row can no longer be called: the campaign's `end` passed, or no opening is left before it. */
  readonly ended: boolean;
  /** The instant the campaign's `end` is reached, when it has one: no redial from then on. */
  readonly endAt?: number;
  /**
   * A row of a campaign with cron/at, placed at each slot: `ended` says no slot is left
   * (its `end` passed, or its schedule has no slot after now).
   */
  readonly slotted?: boolean;
  /**
   * It is not redialled for an edit: it dials another number now than its latest placed
   * attempt did (a cell edited, or a `${VAR}` changed), or it was edited and whom that
   * attempt dialled is not known (plan/changed.ts redialStops).
   */
  readonly edited?: boolean;
  /** The latest call's final outcome status, when it has one (a refused request is no call). */
  readonly lastOutcome?: 'completed' | 'busy' | 'no-answer' | 'failed';
}

/** The state a row ended in after its latest outcome (a `completed` unanswered call: failed). */
const ended = (context: RowContext): RowState =>
  context.lastOutcome === undefined || context.lastOutcome === 'completed'
    ? 'failed'
    : context.lastOutcome;

/** Where a row stands for the people who read the report (pure). */
export const rowState = (progress: RowProgress, context: RowContext): RowState => {
  switch (progress.kind) {
    case 'done':
      return progress.result === 'answered' ? 'answered' : ended(context);
    case 'pending':
      if (progress.why === 'unknown') return 'unknown';
      return progress.why === 'in-flight' ? 'in-flight' : 'placed';
    case 'first':
      // Whom it names was called (under another row): held comes before the lists.
      if (context.held) return 'held';
      if (context.suppressed) return 'suppressed';
      return context.ended ? 'expired' : 'waiting';
    case 'retry':
      // A row reached by an earlier attempt (n ≥ 2) and held stands at that attempt.
      if (context.held) return progress.n === 1 ? 'held' : ended(context);
      if (context.suppressed) return progress.n === 1 ? 'suppressed' : ended(context);
      if (context.edited) return ended(context);
      // Attempt n's request failed: the row was reached by attempt n - 1 when n ≥ 2. A row
      // placed at slots whose latest slot was refused, with no slot left, ends failed.
      if (context.ended && context.slotted) return 'failed';
      if (context.ended) return progress.n === 1 ? 'expired' : ended(context);
      return 'waiting';
    case 'redial':
      if (context.held || context.suppressed || context.edited || context.ended)
        return ended(context);
      if (context.endAt !== undefined && progress.notBefore.getTime() >= context.endAt)
        return ended(context);
      return 'waiting';
  }
};

/** Counts of every state, all present (0 when none), in ROW_STATES order. */
export const countStates = (states: Iterable<RowState>): Record<RowState, number> => {
  const counts = Object.fromEntries(ROW_STATES.map((s) => [s, 0])) as Record<RowState, number>;
  for (const state of states) counts[state]++;
  return counts;
};
