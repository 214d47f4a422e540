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
 * `in-progress` (nor rewrites how it ended, save that evidence of an answer, in whatever
 * order it came, makes it answered), never takes away the evidence that a call was answered,
 * is never one the lockfile reader would refuse, and recording the same outcome twice
 * changes nothing.
 */

export const isFinalOutcome = (status: CallOutcomeStatus): boolean =>
  FINAL_OUTCOMES.includes(status);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const FIELDS = new Set(['status', 'sip_status', 'duration', 'answered', 'ended_at']);

/** SIP 200 OK: the callee answered. */
export const SIP_OK = 200;

/**
 * A SIP status code as callops records it: a whole number from 100 to 699 (RFC 3261's
 * classes 1xx–6xx). `receive` answers 400 to a status that carries another, and no outcome
 * with another is recorded (checkOutcome, strict). The lockfile reader still takes any whole
 * number, as callops before this check did: a lockfile they wrote stays readable.
 */
export const isSipStatus = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 100 && (value as number) <= 699;

/** Whole seconds talked: an integer from 0 that a number holds exactly (JSON round-trips it). */
export const isDuration = (value: unknown): value is number =>
  Number.isSafeInteger(value) && (value as number) >= 0;

/**
 * Evidence that the call was answered: the outcome says so, or its SIP status is 200 OK with
 * time talked. Whatever status comes with it or after it, such a call was answered.
 */
export const showsAnswer = (o: Pick<CallOutcome, 'answered' | 'sip_status' | 'duration'>) =>
  o.answered || (o.sip_status === SIP_OK && o.duration > 0);

/** SIP 603 Decline: the callee refused the call. */
export const SIP_DECLINE = 603;

/** A call that ended answered: `completed`, or evidence of an answer whatever its status says. */
export const endedAnswered = (o: CallOutcome | undefined): boolean =>
  o !== undefined && isFinalOutcome(o.status) && (o.status === 'completed' || showsAnswer(o));

/** A call that ended declined by the callee (SIP 603). */
export const endedDeclined = (o: CallOutcome | undefined): boolean =>
  o !== undefined && isFinalOutcome(o.status) && o.sip_status === SIP_DECLINE;

/**
 * Why `value` is not an outcome (a phrase that follows "outcome"), or undefined. `strict`:
 * what callops records (a SIP status 100–699, a duration a number holds exactly), always
 * within what the lockfile reader (not strict: whole numbers) takes.
 */
export const checkOutcome = (value: unknown, strict = false): string | undefined => {
  if (!isObject(value))
    return 'must be an object {status, sip_status, duration, answered, ended_at}';
  const extra = Object.keys(value).find((k) => !FIELDS.has(k));
  if (extra !== undefined) return `has an unknown field "${extra}"`;
  const { status, sip_status, duration, answered, ended_at } = value;
  if (!OUTCOME_STATUSES.includes(status as CallOutcomeStatus)) {
    return `status must be one of ${OUTCOME_STATUSES.join(', ')}`;
  }
  if (strict ? !isSipStatus(sip_status) : !Number.isInteger(sip_status)) {
    return strict
      ? 'sip_status must be a SIP status (a whole number 100–699)'
      : 'sip_status must be an integer';
  }
  if (strict ? !isDuration(duration) : !Number.isInteger(duration) || (duration as number) < 0) {
    return strict
      ? 'duration must be a whole number of seconds from 0 to 2^53 − 1'
      : 'duration must be a whole number of seconds';
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

/**
 * An outcome as callops records it from what the gateway said. Evidence of an answer makes
 * it answered and, once the call ended, `completed`, whatever else its status said (a
 * `no-answer` with SIP 200 and 45 s talked was answered); a call not answered talked 0 s.
 */
export const recordedOutcome = (o: CallOutcome): CallOutcome => {
  if (!showsAnswer(o)) return o.duration === 0 ? o : { ...o, duration: 0 };
  const status = isFinalOutcome(o.status) ? 'completed' : o.status;
  return o.answered && status === o.status ? o : { ...o, status, answered: true };
};

/**
 * A call that ended without an answer by one status and was answered by the other, in
 * either order: `completed`, answered, with the SIP status and time talked of the answer, at
 * the end time of the final status that showed none.
 */
const answeredEnd = (answer: CallOutcome, ended: CallOutcome): CallOutcome => ({
  status: 'completed',
  sip_status: answer.sip_status,
  duration: answer.duration,
  answered: true,
  ...(ended.ended_at === undefined ? {} : { ended_at: ended.ended_at }),
});

/**
 * The outcome an entry holding `current` takes from `outcome` (as recordedOutcome makes it),
 * or undefined when it keeps `current`: how a call ended is settled once (a late or repeated
 * status never changes a final outcome, save to add an answer), and evidence of an answer is
 * never lost, whichever order the statuses came in. After an answer, an in-progress status
 * that shows none (sent before it, arriving late) changes nothing, and a final one
 * (`no-answer` after the answer: forged, or a gateway's slip) ends the call answered. After a
 * final status that shows no answer, one that shows an answer (an `in-progress` 200 sent
 * before the `no-answer`, arriving after it) ends the call answered all the same, at the end
 * time already recorded (see answeredEnd). An answered end is never changed again.
 */
export const outcomeAfter = (
  current: CallOutcome | undefined,
  outcome: CallOutcome,
): CallOutcome | undefined => {
  const next = recordedOutcome(outcome);
  if (current !== undefined && isFinalOutcome(current.status)) {
    return showsAnswer(current) || !showsAnswer(next) ? undefined : answeredEnd(next, current);
  }
  if (current === undefined || !showsAnswer(current) || showsAnswer(next)) return next;
  return isFinalOutcome(next.status) ? answeredEnd(current, next) : undefined;
};

/** The entry with `outcome`, or undefined when nothing is to change (see withOutcome). */
const entryWith = (entry: LockEntry | undefined, outcome: CallOutcome): LockEntry | undefined => {
  if (entry === undefined || entry.status !== 'placed') return undefined;
  const taken = outcomeAfter(entry.outcome, outcome);
  if (taken === undefined) return undefined;
  const next = cleanOutcome(taken);
  // Never an outcome the lockfile reader refuses: it would make the state unreadable.
  if (checkOutcome(next, true) !== undefined) return undefined;
  return same(entry.outcome, next) ? undefined : { ...entry, outcome: next };
};

/**
 * The lockfile with `outcome` beside the placed entry `key`. Unchanged (the same object)
 * when the entry is missing or not placed, when it already holds a final outcome (how a
 * call ended is settled once: never back to `in-progress`, never rewritten by a late or
 * forged-looking repeat; only evidence of an answer is added to it), when it already holds
 * this outcome, or when the outcome is one the lockfile cannot hold (checkOutcome). Evidence
 * of an answer is never lost, whichever order the statuses came in (outcomeAfter).
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
