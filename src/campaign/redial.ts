import { endedAnswered, endedDeclined, SIP_DECLINE } from '../state/outcome.js';
import { isInFlight } from '../state/store.js';
import type { CallOutcome, LockEntry } from '../state/types.js';
import { parseDuration } from '../validate/parse.js';

/** The outcomes a campaign may redial after. Never an answered call, never a decline. */
export const REDIAL_ON = ['no-answer', 'busy', 'failed'] as const;
export type RedialOn = (typeof REDIAL_ON)[number];

/** SIP 603 Decline: the callee refused the call; it is never redialled. */
export { SIP_DECLINE };

/** `redial:` of a campaign call, validated. */
export interface RedialPolicy {
  readonly on: readonly RedialOn[];
  /** Wait after an attempt ended before the next one. */
  readonly afterMs: number;
  /** Each further wait is the previous one times this (≥ 1). */
  readonly backoff: number;
  /** Attempts in all, the first call included (≥ 1). */
  readonly maxAttempts: number;
}

/**
 * The longest `after` (366 days, a year of any kind): a redial waits minutes to weeks, and a
 * longer wait is a slip of the pen (`100000000d` would put the redial past any date).
 */
export const MAX_REDIAL_AFTER_MS = 366 * 86_400_000;
export const MAX_REDIAL_AFTER_TEXT = '366d';

/** An `after` as written, in milliseconds, when it is a duration of at most MAX_REDIAL_AFTER_MS. */
export const redialAfterMs = (text: string): number | undefined => {
  const ms = parseDuration(text);
  return ms !== undefined && ms <= MAX_REDIAL_AFTER_MS ? ms : undefined;
};

/** The last instant a Date holds (±8.64e15 ms from 1970): past it, `new Date` is invalid. */
const MAX_DATE_MS = 8.64e15;

/** Without `redial:` a row is called once. */
export const NO_REDIAL: RedialPolicy = { on: [], afterMs: 0, backoff: 1, maxAttempts: 1 };

/**
 * How a row of a campaign that redials by outcome, not redialled for it dials another number
 * now than its attempts did (plan/changed.ts redialStops), is called at its new number:
 * `apply --replace` does not apply to its rows. Never said of a row whose attempts go on, nor
 * of one held as its person was called: under a new id such a row is held too, and a copy
 * of it under a new id would call its number twice (plan/replace-redial.ts).
 */
export const REDIAL_EDITED_HINT =
  'to call the row as it is now, give it a new id in its CSV (a new row starts at attempt 1)';

/** The key of attempt `n` of a row: the row's key for the first, `KEY#n` for later ones. */
export const attemptKey = (rowKey: string, n: number): string =>
  n <= 1 ? rowKey : `${rowKey}#${n}`;

/** The row key and attempt number of a key (`KEY#3` → KEY, 3; `KEY` → KEY, 1). */
export const splitAttemptKey = (key: string): { readonly rowKey: string; readonly n: number } => {
  const match = /^(.*)#([1-9][0-9]*)$/.exec(key);
  return match?.[1] !== undefined && match[2] !== undefined
    ? { rowKey: match[1], n: Number(match[2]) }
    : { rowKey: key, n: 1 };
};

/** What the state knows of one attempt of a row. */
export interface AttemptState {
  readonly entry?: LockEntry;
  /** Claimed by a runner that is still placing it (no outcome recorded yet). */
  readonly inFlight?: boolean;
}

/**
 * Where a row stands, judged from its attempts (pure):
 * - `first`: never attempted — the first attempt is due (subject to hours, end, limits);
 * - `retry`: the latest attempt's request failed (HTTP) — the same key is tried again;
 * - `redial`: attempt `n` may be placed from `notBefore` on;
 * - `pending`: the latest attempt is in flight, unknown, or its outcome is not final yet:
 *   nothing is redialled until it is known (an unknown one is placed again only by
 *   `--retry-unknown`, and only while no earlier attempt was answered or declined);
 * - `done`: nothing more will be placed; `result` says why (`beyond`: the next attempt's wait,
 *   `after × backoff^(n−1)`, ends past the last instant a date holds — never). Once any
 *   attempt was answered or declined (603) the row is done, whatever its later attempts say
 *   (`by`: that attempt, when a later one was placed before its answer came).
 */
export type RowProgress =
  | { readonly kind: 'first' }
  | { readonly kind: 'retry'; readonly n: number }
  | { readonly kind: 'redial'; readonly n: number; readonly notBefore: Date }
  | { readonly kind: 'pending'; readonly n: number; readonly why: PendingWhy }
  | {
      readonly kind: 'done';
      readonly n: number;
      readonly result: DoneResult;
      /**
       * The attempt that was answered or declined, when it is not the latest: its answer came
       * late, after a redial was placed (answered outranks declined).
       */
      readonly by?: number;
    };

export type PendingWhy = 'in-flight' | 'unknown' | 'awaiting-outcome' | 'in-progress';
export type DoneResult = 'answered' | 'declined' | 'exhausted' | 'final' | 'beyond';

const isFinal = (outcome: CallOutcome | undefined): outcome is CallOutcome =>
  outcome !== undefined && outcome.status !== 'in-progress';

/**
 * The earliest of the first `n` attempts that was answered, else the earliest declined (SIP
 * 603): a row such an attempt reached is never called again, whichever attempt it was (the
 * answer to attempt 1 may come after attempt 2 was placed). Only placed entries hold outcomes.
 */
const reachedBy = (
  attempts: readonly AttemptState[],
  n: number,
): { readonly result: 'answered' | 'declined'; readonly by: number } | undefined => {
  const outcomes = attempts.slice(0, n).map((a) => a.entry?.outcome);
  // The same rule as a redial's claim (state/outcome.ts): answered, else declined (SIP 603).
  const answered = outcomes.findIndex(endedAnswered);
  if (answered >= 0) return { result: 'answered', by: answered + 1 };
  const declined = outcomes.findIndex(endedDeclined);
  return declined >= 0 ? { result: 'declined', by: declined + 1 } : undefined;
};

/**
 * When attempt `n` (≥ 2) may start, after attempt `n - 1` ended at `endedMs`; undefined when
 * that is never: the wait grows past the last instant a Date holds (a huge backoff). Such an
 * instant would be an Invalid Date, which every comparison with now takes as already due.
 */
export const redialAt = (policy: RedialPolicy, endedMs: number, n: number): Date | undefined => {
  const at = endedMs + policy.afterMs * policy.backoff ** Math.max(0, n - 2);
  return Number.isFinite(at) && Math.abs(at) <= MAX_DATE_MS ? new Date(at) : undefined;
};

/**
 * Where the wait after an attempt starts: the later of its end as the gateway says
 * (`ended_at`) and its placement as callops recorded it (`at`), so a gateway whose clock runs
 * behind ours never starts a wait before the attempt was placed. Either one alone when the
 * other is missing or unreadable; NaN (no redial: see redialAt) when both are.
 */
const waitFrom = (entry: LockEntry, outcome: CallOutcome): number => {
  const known = [Date.parse(entry.at), Date.parse(outcome.ended_at ?? '')].filter(Number.isFinite);
  return known.length === 0 ? Number.NaN : Math.max(...known);
};

/**
 * `attempts[i]` is attempt i + 1; the list ends at the latest attempt the state knows
 * (an attempt without entry and not in flight ends it).
 */
export const rowProgress = (
  attempts: readonly AttemptState[],
  policy: RedialPolicy,
): RowProgress => {
  let n = 0;
  while (n < attempts.length && (attempts[n]?.entry !== undefined || attempts[n]?.inFlight)) n++;
  if (n === 0) return { kind: 'first' };
  const latest = attempts[n - 1];
  if (latest === undefined) return { kind: 'first' };
  if (latest.inFlight) return { kind: 'pending', n, why: 'in-flight' };
  const entry = latest.entry;
  if (entry === undefined) return { kind: 'first' };
  if (entry.status === 'unknown' && isInFlight(entry))
    return { kind: 'pending', n, why: 'in-flight' };
  // Any attempt answered or declined ends the row: no retry, no redial, whatever came after —
  // nor an unknown attempt placed again (`--retry-unknown`): the person was reached.
  const reached = reachedBy(attempts, n);
  if (reached !== undefined) {
    return reached.by === n
      ? { kind: 'done', n, result: reached.result }
      : { kind: 'done', n, result: reached.result, by: reached.by };
  }
  if (entry.status === 'unknown') return { kind: 'pending', n, why: 'unknown' };
  if (entry.status === 'failed') return { kind: 'retry', n };
  const outcome = entry.outcome;
  if (outcome === undefined) return { kind: 'pending', n, why: 'awaiting-outcome' };
  if (!isFinal(outcome)) return { kind: 'pending', n, why: 'in-progress' };
  if (!(policy.on as readonly string[]).includes(outcome.status)) {
    return { kind: 'done', n, result: 'final' };
  }
  if (n >= policy.maxAttempts) return { kind: 'done', n, result: 'exhausted' };
  const notBefore = redialAt(policy, waitFrom(entry, outcome), n + 1);
  if (notBefore === undefined) return { kind: 'done', n, result: 'beyond' };
  return { kind: 'redial', n: n + 1, notBefore };
};

const isRedialOn = (value: unknown): value is RedialOn =>
  (REDIAL_ON as readonly unknown[]).includes(value);

/**
 * The policy of a `redial:` value as written, when every part of it is valid (the schema and
 * the campaign rules report what is not); undefined otherwise.
 */
export const redialPolicyOf = (value: unknown): RedialPolicy | undefined => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const { on, after, backoff, max_attempts } = value as Readonly<Record<string, unknown>>;
  if (!Array.isArray(on) || on.length === 0 || !on.every(isRedialOn)) return undefined;
  const afterMs = typeof after === 'string' ? redialAfterMs(after) : undefined;
  if (afterMs === undefined) return undefined;
  if (backoff !== undefined && !(typeof backoff === 'number' && backoff >= 1)) return undefined;
  if (!(typeof max_attempts === 'number' && Number.isInteger(max_attempts) && max_attempts >= 1))
    return undefined;
  return { on, afterMs, backoff: backoff ?? 1, maxAttempts: max_attempts };
};

/** The attempts the state holds of a row, in order: `KEY`, `KEY#2`, … up to the first gap. */
export const attemptsIn = (
  calls: Readonly<Record<string, LockEntry>>,
  rowKey: string,
): LockEntry[] => {
  const out: LockEntry[] = [];
  for (let n = 1; ; n++) {
    const entry = calls[attemptKey(rowKey, n)];
    if (entry === undefined) return out;
    out.push(entry);
  }
};
