import { keysBetween, summaryOf } from '../state/calls-summary.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import { formatSlot } from './keys.js';

/** What the plan reads of the lockfile's entries by key or by range of keys. */

const emptiness = new WeakMap<object, boolean>();

/** Whether the lockfile has no entry at all (its index says so, else one key is looked for). */
export const isEmpty = (calls: Lockfile['calls']): boolean => {
  let empty = emptiness.get(calls);
  if (empty === undefined) {
    const summary = summaryOf(calls);
    empty = summary === undefined ? Object.keys(calls).length === 0 : summary.count === 0;
    emptiness.set(calls, empty);
  }
  return empty;
};

/**
 * The lockfile's entry of `key`. A campaign's rows look up keys the lockfile does not hold, and
 * V8 keeps what each such lookup makes beyond the young generation: with no entries at all
 * nothing is looked up.
 */
export const entryAt = (calls: Lockfile['calls'], key: string): LockEntry | undefined =>
  isEmpty(calls) ? undefined : calls[key];

/**
 * The latest slot in (after, until] of `name` on `target` that the lockfile holds placed or
 * unknown (it may have rung, or be ringing now), whatever schedule made it: once a cron or
 * time zone is edited, the slots of a call are others than those its entries name. With
 * `beyond`, one later than `until` too that was recorded at or after its slot: the clock
 * that placed it was later than this one (it went back since, or another runner's is ahead).
 * One placed before its slot is a rehearsal's ahead of the clock (`apply --now`), which holds
 * back no real slot before it.
 */
export const latestTaken = (
  calls: Lockfile['calls'],
  target: string,
  name: string,
  after: number,
  until: number,
  beyond = false,
): { readonly slot: number; readonly status: 'placed' | 'unknown' } | undefined => {
  // With `beyond`, (after, until] may be empty (a memory later than the clock moved `after`
  // past it): the slots later than `until` are looked for all the same.
  if (isEmpty(calls) || !(until > after || beyond)) return undefined;
  const prefix = `${target}/${name}@`;
  // Slots as keys write them (UTC, whole seconds, one width) sort as they fall.
  const keys = keysBetween(
    calls,
    `${prefix}${formatSlot(new Date(Math.max(after, 0)))}`,
    beyond ? `${prefix}\uffff` : `${prefix}${formatSlot(new Date(until))}`,
  );
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i] as string;
    const slot = Date.parse(key.slice(prefix.length));
    if (!(slot > after && (slot <= until || beyond))) continue;
    const entry = calls[key];
    const status = entry?.status;
    if (status !== 'placed' && status !== 'unknown') continue;
    if (slot > until && recordedAhead(entry?.at, slot)) continue;
    return { slot, status };
  }
  return undefined;
};

/** Whether an entry recorded at `at` was placed before its own slot: only a rehearsal does. */
const recordedAhead = (at: string | undefined, slot: number): boolean =>
  Date.parse(at ?? '') < slot;

/** Whether the lockfile holds any entry keyed `PREFIX<slot>`: of any slot of one call. */
export const heldUnder = (calls: Lockfile['calls'], prefix: string, empty: boolean): boolean =>
  !empty && keysBetween(calls, prefix, `${prefix}\uffff`).length > 0;
