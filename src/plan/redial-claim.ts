import { rowProgress, splitAttemptKey } from '../campaign/redial.js';
import type { LockEntry } from '../state/types.js';
import { callOf } from './item.js';
import { doneWords } from './row-next.js';
import { rowAttempts } from './twin-attempts.js';
import type { PlannedKeys } from './twin-claim.js';
import type { PlanItem } from './types.js';

/**
 * A redial's claim checked again at the claim (pure): the plan places attempt n of a row only
 * while none of its attempts was answered or declined (campaign/redial.ts rowProgress), but a
 * runner on a database store cannot see an answer another one records after it planned (a
 * late status of an earlier attempt, recorded by `receive` or `status --refresh`). The store
 * reads the row's earlier attempts in the claim (Claim.earlier); the rule of the plan words
 * the refusal.
 */

/**
 * The keys of the attempts before `item`'s (an attempt n ≥ 2 of a row with `redial`), as
 * `planned` read them: the row's own, or a twin's (twin-attempts.ts). Undefined for any
 * other item.
 */
export const earlierAttempts = (
  item: PlanItem,
  planned: () => PlannedKeys,
): readonly string[] | undefined => {
  if (item.campaign === undefined || item.slot !== undefined) return undefined;
  if (callOf(item)?.redial === undefined) return undefined;
  const { rowKey, n } = splitAttemptKey(item.key);
  if (n < 2) return undefined;
  const { lock, twins } = planned();
  return rowAttempts(lock.calls, rowKey, item.target, twins)
    .slice(0, n - 1)
    .map((a) => a.key);
};

/**
 * Why the attempt `item` is not placed, its claim refused for `reached` (the entries of its
 * earlier attempts as the state holds them now): the words the plan gives a row that is done.
 */
export const reachedWords = (
  item: PlanItem,
  reached: Readonly<Record<string, LockEntry>>,
  planned: () => PlannedKeys,
): string => {
  const policy = callOf(item)?.redial;
  const { rowKey } = splitAttemptKey(item.key);
  const found = rowAttempts(reached, rowKey, item.target, planned().twins);
  const progress =
    policy === undefined
      ? undefined
      : rowProgress(
          found.map((a) => ({ entry: a.entry })),
          policy,
        );
  if (progress?.kind === 'done') return doneWords(progress, found);
  return 'not placed: an earlier attempt of this row was answered or declined since this run planned: never redialled';
};
