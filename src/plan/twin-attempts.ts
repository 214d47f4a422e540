import { attemptKey } from '../campaign/redial.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import { entryAt } from './entries.js';
import { mayHaveRung, type TargetTwins, type TwinOf, twinHolds } from './twins.js';

/**
 * The attempts of a campaign row that redials (`KEY`, `KEY#2`, …), read across its target's
 * twins (twins.ts): a target renamed is the same gateway under a new name, so attempt 1
 * placed as `gw/camp/r1` before `gw:` became `production:` is attempt 1 of
 * `production/camp/r1`, and the redial goes on as `production/camp/r1#2`. Attempt n is the
 * entry that may have rung (placed, unknown, being placed) under the row's own key, else under
 * a twin's (the same key but for its target); else a refused request (failed) under either,
 * which called no one: the same attempt is tried again under the row's own key. So no attempt
 * is dialled twice, whatever name its target had, and never more than `max_attempts`. The
 * list ends at the first attempt no target holds. Pure.
 */

/** One attempt of a row: its entry, the key it is under and, when not the row's own, the twin. */
export interface RowAttempt {
  readonly key: string;
  readonly entry: LockEntry;
  /** The attempt was placed under a twin of the row's target, not under the row's own key. */
  readonly twin?: TwinOf;
}

/**
 * Attempt (or slot) `key`, a key on `target`, under the row's own target or one of its
 * `twins` (see above): its entry that may have rung under `key`, else under a twin's same
 * key, else a refused request under either; undefined when none holds it.
 */
export const rowEntryAt = (
  calls: Lockfile['calls'],
  key: string,
  target: string,
  twins: readonly TwinOf[],
): RowAttempt | undefined => {
  const own = entryAt(calls, key);
  if (mayHaveRung(own) || twins.length === 0)
    return own === undefined ? undefined : { key, entry: own };
  const rest = key.slice(target.length);
  let refused: RowAttempt | undefined = own === undefined ? undefined : { key, entry: own };
  for (const twin of twins) {
    const other = `${twin.target}${rest}`;
    const entry = calls[other];
    // Under a target that does not resolve here, only what it recorded on this gateway.
    if (entry === undefined || !twinHolds(twin, entry)) continue;
    if (mayHaveRung(entry)) return { key: other, entry, twin };
    refused ??= { key: other, entry, twin };
  }
  return refused;
};

/**
 * The attempts the state holds of row `rowKey` on `target`, in order, each under the row's
 * own key or a twin's (see above): up to the first attempt none holds.
 */
export const rowAttempts = (
  calls: Lockfile['calls'],
  rowKey: string,
  target: string,
  twins: TargetTwins,
): RowAttempt[] => {
  const of = twins.any && rowKey.startsWith(`${target}/`) ? twins.of(target) : [];
  const out: RowAttempt[] = [];
  for (let n = 1; ; n++) {
    const found = rowEntryAt(calls, attemptKey(rowKey, n), target, of);
    if (found === undefined) return out;
    out.push(found);
  }
};
