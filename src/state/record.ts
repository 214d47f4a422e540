import type { EntryStatus, Outcome } from '../execute/outcome.js';
import { cleanEntry } from './lockfile-shape.js';
import type { LockEntry, Lockfile } from './types.js';

/** Where a placement's definition came from, recorded beside its outcome. */
export interface DefinitionMeta {
  /** "sha256:…" of the call's source definition. */
  readonly definition: string;
  /** The call file, relative to the project root. */
  readonly file: string;
  /** A deliberate placement of a placed key again (`apply --replace`). */
  readonly replace?: boolean;
}

const withEntry = (lock: Lockfile, key: string, entry: LockEntry): Lockfile => ({
  ...lock,
  calls: { ...lock.calls, [key]: cleanEntry(entry) },
});

const entryOf = (
  outcome: Outcome & { readonly status: EntryStatus },
  meta: DefinitionMeta,
): LockEntry =>
  cleanEntry({
    status: outcome.status,
    sid: outcome.sid,
    callId: outcome.callId,
    at: outcome.at,
    definition: meta.definition,
    file: meta.file,
    // A placed entry is the sid and callId; status and message matter only when it was not.
    httpStatus: outcome.status === 'placed' ? undefined : outcome.httpStatus,
    message: outcome.status === 'placed' ? undefined : outcome.message,
  });

/** The history an entry keeps when `outcome` follows `current`. */
const historyAfter = (current: LockEntry | undefined): LockEntry['history'] => {
  if (current === undefined) return undefined;
  if (current.status !== 'placed' || current.sid === undefined) return current.history;
  const previous = {
    sid: current.sid,
    ...(current.callId === undefined ? {} : { callId: current.callId }),
    at: current.at,
  };
  return [...(current.history ?? []), previous];
};

/**
 * Record outcomes, in order. `placed` is final: an entry that is placed is never replaced,
 * so no later outcome (a replayed journal, a retry) can make a placed call look unplaced —
 * except by a deliberate replacement (`apply --replace`, `meta.replace`), whose outcome
 * becomes the entry while the earlier placement moves to its `history`. The same
 * replacement recorded twice (a journal folded again) changes nothing the second time.
 * Anything else replaces a failed or unknown entry, keeping the gateway's status and message
 * and the entry's history.
 * A `missed` slot was never sent and leaves no entry (the plan reports it as missed).
 * One copy of the calls map for the whole batch: recording n outcomes costs O(n), not O(n²).
 */
export const recordOutcomes = (
  lock: Lockfile,
  records: Iterable<{ readonly outcome: Outcome; readonly meta: DefinitionMeta }>,
): Lockfile => {
  const calls: Record<string, LockEntry> = { ...lock.calls };
  for (const { outcome, meta } of records) {
    if (outcome.status === 'missed') continue;
    const current = calls[outcome.key];
    if (current?.status === 'placed' && (meta.replace !== true || current.sid === outcome.sid))
      continue;
    const history = historyAfter(current);
    const entry = entryOf({ ...outcome, status: outcome.status }, meta);
    calls[outcome.key] = history === undefined ? entry : cleanEntry({ ...entry, history });
  }
  return { ...lock, calls };
};

export const recordOutcome = (lock: Lockfile, outcome: Outcome, meta: DefinitionMeta): Lockfile =>
  recordOutcomes(lock, [{ outcome, meta }]);

export type Settlement =
  | { readonly placed: string; readonly callId?: string }
  | { readonly notPlaced: true };

export const SETTLED_NOT_PLACED = 'settled by hand: not placed';
export const SETTLED_PLACED = 'settled by hand: placed';

/**
 * Settle an `unknown` entry by hand (`callops resolve`). As placed it records the sid the
 * user found on the gateway; as not placed it becomes `failed`, so a later apply retries it.
 */
export const settleUnknown = (
  lock: Lockfile,
  key: string,
  settlement: Settlement,
  now: Date,
): Lockfile | { error: string } => {
  const entry = lock.calls[key];
  if (entry === undefined) {
    const unknown = Object.keys(lock.calls).filter((k) => lock.calls[k]?.status === 'unknown');
    const shown = unknown.sort().slice(0, 5).join(', ');
    const more = unknown.length > 5 ? `, … (${unknown.length} in all)` : '';
    return {
      error:
        unknown.length === 0
          ? `the lockfile has no entry ${JSON.stringify(key)}, and no unknown entries to settle`
          : `the lockfile has no entry ${JSON.stringify(key)}; unknown entries: ${shown}${more}`,
    };
  }
  if (entry.status !== 'unknown') {
    return {
      error: `${key} is ${entry.status}, not unknown: only unknown entries can be settled by hand`,
    };
  }
  const common = {
    at: now.toISOString(),
    definition: entry.definition,
    file: entry.file,
    history: entry.history,
  };
  if ('placed' in settlement) {
    if (settlement.placed.trim() === '') return { error: 'the call sid must not be empty' };
    // One call has one sid: a sid already recorded is a copy-paste from the wrong entry,
    // and recording it would leave this call's real fate unknown under a "placed" status.
    const sid = settlement.placed.toLowerCase();
    const owner = Object.keys(lock.calls).find((k) => lock.calls[k]?.sid?.toLowerCase() === sid);
    if (owner !== undefined) {
      return {
        error: `the sid ${settlement.placed} is already recorded for ${owner}: one call has one sid — look up the sid of ${key} on the gateway`,
      };
    }
    return withEntry(lock, key, {
      ...common,
      status: 'placed',
      sid: settlement.placed,
      callId: settlement.callId,
      message: SETTLED_PLACED,
      resolvedBy: 'hand',
    });
  }
  return withEntry(lock, key, {
    ...common,
    status: 'failed',
    message: SETTLED_NOT_PLACED,
    resolvedBy: 'hand',
  });
};

export type LockSummary = Readonly<Record<EntryStatus, number>> & { readonly total: number };

/** How many entries have each status. */
export const summarize = (lock: Lockfile): LockSummary => {
  const counts = { placed: 0, failed: 0, unknown: 0 };
  for (const entry of Object.values(lock.calls)) counts[entry.status]++;
  return { ...counts, total: counts.placed + counts.failed + counts.unknown };
};
