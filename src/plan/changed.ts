import { campaignEndedWords } from '../campaign/end.js';
import { type AttemptState, attemptKey, REDIAL_EDITED_HINT } from '../campaign/redial.js';
import { destinationNumber, isOtherNumber } from '../screen/number.js';
import type { LockEntry } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { amendItem, numberOfCall } from './item.js';
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
 * How the reason of a row whose `to` resolves to another number now (its definition
 * unchanged) says so: the number comes from the environment; the value is never shown.
 */
const REDIRECTED_WORDS =
  ', to another number than it dials now (its `to` takes the number from the environment)';

/**
 * Whether placed attempt `entry` of row `call` dialled another number than the row dials now
 * although it was placed under the definition the row has now: its number comes through a
 * `${VAR}` whose value changed since (`number: "${PFX}${row.phone}"`). The environment is no
 * part of a definition (a secret is never hashed into one), so only the entry's number digest
 * tells. `numberOf` resolves the row's number (engine/prepare.ts callNumberOf); it is asked
 * only when the entry keeps a digest and the row's `to` does not name its number as written
 * (a row that does dials what its definition says: nothing is resolved or hashed).
 */
export const dialsAnotherNumberNow = (
  entry: LockEntry,
  call: CallDefinition,
  numberOf: (call: CallDefinition) => string | undefined,
): boolean =>
  entry.number !== undefined &&
  numberOfCall(call) === undefined &&
  isOtherNumber(entry.number, numberOf(call));

/**
 * A row whose latest placed attempt was placed under another definition (its cells were
 * edited since), or to another number than the row resolves to now (`numberOf`, when given:
 * a `${VAR}` in its `to` changed since; see dialsAnotherNumberNow): no attempt is placed from
 * the edited row — a redial would reach whom the row names now, not whom the earlier attempts
 * called; a row called once is placed again only with `--replace`, as an edited call is, and
 * not at all once its campaign's `end` passed (at `ended`). Its item, marked changed, keyed by
 * that attempt; undefined when the row is as it was placed (or never placed).
 */
export const editedSincePlaced = (
  call: CallDefinition,
  attempts: readonly AttemptState[],
  built: PlanItem,
  ended?: number,
  numberOf?: (call: CallDefinition) => string | undefined,
): PlanItem | undefined => {
  let n = attempts.length;
  while (n > 0 && attempts[n - 1]?.entry?.status !== 'placed') n--;
  const entry = attempts[n - 1]?.entry;
  if (entry === undefined) return undefined;
  const edited = entry.definition !== built.definition;
  const redirected =
    !edited && numberOf !== undefined && dialsAnotherNumberNow(entry, call, numberOf);
  if (!edited && !redirected) return undefined;
  const sid = entry.sid ?? '(no sid)';
  const dialled = redirected ? REDIRECTED_WORDS : otherNumberWords(entry, built);
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
