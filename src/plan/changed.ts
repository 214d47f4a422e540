import { campaignEndedWords } from '../campaign/end.js';
import { type AttemptState, attemptKey, REDIAL_EDITED_HINT } from '../campaign/redial.js';
import { destinationNumber, isOtherNumber } from '../screen/number.js';
import type { LockEntry } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { amendItem } from './item.js';
import type { PlanItem } from './types.js';

/** A call or row placed under another definition than it has now, and one placed again. */

/** `built` placed again in place of `entry` (`apply --replace`). */
export const replacementOf = (built: PlanItem, entry: LockEntry, sid: string): PlanItem =>
  amendItem(built, {
    reason: `replaces ${sid} placed at ${entry.at} (--replace)`,
    replaces: {
      sid,
      ...(entry.callId === undefined ? {} : { callId: entry.callId }),
      at: entry.at,
    },
  });

/**
 * A row whose latest placed attempt was placed under another definition (its cells were
 * edited since): no attempt is placed from the edited row — a redial would reach whom the
 * row names now, not whom the earlier attempts called; a row called once is placed again
 * only with `--replace`, as an edited call is, and not at all once its campaign's `end`
 * passed (at `ended`). Its item, marked changed, keyed by that attempt; undefined when the
 * row is as it was placed (or never placed).
 */
export const editedSincePlaced = (
  call: Pick<CallDefinition, 'name' | 'redial' | 'campaign' | 'schedule'>,
  attempts: readonly AttemptState[],
  built: PlanItem,
  ended?: number,
): PlanItem | undefined => {
  let n = attempts.length;
  while (n > 0 && attempts[n - 1]?.entry?.status !== 'placed') n--;
  const entry = attempts[n - 1]?.entry;
  if (entry === undefined || entry.definition === built.definition) return undefined;
  const sid = entry.sid ?? '(no sid)';
  const dialled = otherNumberWords(entry, built);
  if (call.redial === undefined) {
    return amendItem(built, {
      changed: true,
      reason: `changed since placed (already placed ${sid} at ${entry.at}${dialled}); ${ended === undefined ? replaceHint(call.name) : `not placed again: ${campaignEndedWords(call, ended)}`}`,
    });
  }
  const outcome = entry.outcome?.status;
  return amendItem(built, {
    key: attemptKey(built.key, n),
    changed: true,
    reason: `changed since placed (attempt ${n}${outcome === undefined ? '' : ` ${outcome}`} ${sid} at ${entry.at}${dialled}); not redialled: ${ended === undefined ? REDIAL_EDITED_HINT : campaignEndedWords(call, ended)}`,
  });
};

/**
 * `, to another number than it dials now` when the entry's number digest is not that of the
 * number the item shows (its line names the number as it is now, not the one called).
 */
export const otherNumberWords = (entry: LockEntry, built: PlanItem): string =>
  isOtherNumber(entry.number, destinationNumber(built.to))
    ? ', to another number than it dials now'
    : '';

/** How a call or row changed since placed is placed again. */
export const replaceHint = (name: string): string =>
  `\`callops apply --replace ${name}\` places it again`;
