import {
  type CallOutcome,
  type CallOutcomeStatus,
  FINAL_OUTCOMES,
  type LockEntry,
  type Lockfile,
  OUTCOME_STATUSES,
} from './types.js';

/**
 * What became of placed calls is recorded beside their entries, and only there: an outcome
 * never touches an entry that is not placed, never moves a call that ended back to
 * `in-progress` (nor rewrites how it ended), and recording the same outcome twice changes
 * nothing.
 */

export const isFinalOutcome = (status: CallOutcomeStatus): boolean =>
  FINAL_OUTCOMES.includes(status);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const FIELDS = new Set(['status', 'sip_status', 'duration', 'answered', 'ended_at']);

/** Why `value` is not an outcome (a phrase that follows "outcome"), or undefined. */
export const checkOutcome = (value: unknown): string | undefined => {
  if (!isObject(value))
    return 'must be an object {status, sip_status, duration, answered, ended_at}';
  const extra = Object.keys(value).find((k) => !FIELDS.has(k));
  if (extra !== undefined) return `has an unknown field "${extra}"`;
  const { status, sip_status, duration, answered, ended_at } = value;
  if (!OUTCOME_STATUSES.includes(status as CallOutcomeStatus)) {
    return `status must be one of ${OUTCOME_STATUSES.join(', ')}`;
  }
  if (!Number.isInteger(sip_status)) return 'sip_status must be an integer';
  if (!Number.isInteger(duration) || (duration as number) < 0) {
    return 'duration must be a whole number of seconds';
  }
  if (typeof answered !== 'boolean') return 'answered must be true or false';
  const final = isFinalOutcome(status as CallOutcomeStatus);
  if (final && (typeof ended_at !== 'string' || Number.isNaN(Date.parse(ended_at)))) {
    return 'ended_at must be an ISO-8601 time';
  }
  if (!final && ended_at !== undefined) return 'ended_at is only for a call that ended';
  return undefined;
};

/** The outcome with its fields in a fixed order and nothing else. */
export const cleanOutcome = (o: CallOutcome): CallOutcome => ({
  status: o.status,
  sip_status: o.sip_status,
  duration: o.duration,
  answered: o.answered,
  ...(o.ended_at === undefined || !isFinalOutcome(o.status) ? {} : { ended_at: o.ended_at }),
});

const same = (a: CallOutcome | undefined, b: CallOutcome): boolean =>
  a !== undefined &&
  a.status === b.status &&
  a.sip_status === b.sip_status &&
  a.duration === b.duration &&
  a.answered === b.answered &&
  a.ended_at === b.ended_at;

/** The entry with `outcome`, or undefined when nothing is to change (see withOutcome). */
const entryWith = (entry: LockEntry | undefined, outcome: CallOutcome): LockEntry | undefined => {
  if (entry === undefined || entry.status !== 'placed') return undefined;
  const next = cleanOutcome(outcome);
  const current = entry.outcome;
  // How a call ended is settled once: a late or repeated status never changes it.
  if (current !== undefined && isFinalOutcome(current.status)) return undefined;
  return same(current, next) ? undefined : { ...entry, outcome: next };
};

/**
 * The lockfile with `outcome` beside the placed entry `key`. Unchanged (the same object)
 * when the entry is missing or not placed, when it already holds a final outcome (how a
 * call ended is settled once: never back to `in-progress`, never rewritten by a late or
 * forged-looking repeat), or when it already holds this outcome.
 */
export const withOutcome = (lock: Lockfile, key: string, outcome: CallOutcome): Lockfile => {
  const entry = entryWith(lock.calls[key], outcome);
  return entry === undefined ? lock : { ...lock, calls: { ...lock.calls, [key]: entry } };
};

/** `withOutcome` for many updates, with one copy of the calls map; which keys changed. */
export const withOutcomes = (
  lock: Lockfile,
  updates: Iterable<{ readonly key: string; readonly outcome: CallOutcome }>,
): { readonly lock: Lockfile; readonly changed: readonly string[] } => {
  let calls: Record<string, LockEntry> | undefined;
  const changed = new Set<string>();
  for (const { key, outcome } of updates) {
    const entry = entryWith((calls ?? lock.calls)[key], outcome);
    if (entry === undefined) continue;
    calls ??= { ...lock.calls };
    calls[key] = entry;
    changed.add(key);
  }
  return { lock: calls === undefined ? lock : { ...lock, calls }, changed: [...changed] };
};
/** Outcome counts, each 0 (`none`: no outcome recorded yet). */
export const emptyOutcomeCounts = (): Record<CallOutcomeStatus | 'none', number> => ({
  completed: 0,
  busy: 0,
  'no-answer': 0,
  failed: 0,
  'in-progress': 0,
  none: 0,
});
