import { campaignEndedWords } from '../campaign/end.js';
import { type AttemptState, attemptKey, REDIAL_EDITED_HINT } from '../campaign/redial.js';
import { destinationNumber, isDigestOf, isOtherNumber, numberKey } from '../screen/number.js';
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
 * Whether placed attempt `entry` of row `call` dialled the number the row dials now: known
 * only when the entry keeps its number's digest and the row's `to` is a number, as written or
 * resolved by `numberOf` (a `${VAR}` in it). Unknown is not the same number.
 */
export const dialsSameNumber = (
  entry: LockEntry,
  call: CallDefinition,
  numberOf?: (call: CallDefinition) => string | undefined,
): boolean => {
  if (entry.number === undefined) return false;
  const number = numberOfCall(call) ?? numberOf?.(call);
  return number !== undefined && isDigestOf(entry.number, numberKey(number));
};

/**
 * Whether a row that redials stops at its latest placed attempt `entry`: it dials another
 * number now than that attempt did (a cell edited, or a `${VAR}` in its `to` that gives
 * another: dialsAnotherNumberNow), or it was edited and whom that attempt dialled is not
 * known (no digest kept, a `to` that is no number). A redial would reach whom the row names
 * now, not whom its attempts called. A row edited otherwise (a tag, a time zone, `redial:`
 * added) dials the same person: its attempts go on, as it is now.
 */
export const redialStops = (
  entry: LockEntry,
  call: CallDefinition,
  numberOf?: (call: CallDefinition) => string | undefined,
): boolean =>
  entry.definition !== call.definition
    ? !dialsSameNumber(entry, call, numberOf)
    : numberOf !== undefined && dialsAnotherNumberNow(entry, call, numberOf);

/** A row's latest placed attempt: its number (1 for the row's key) and its entry. */
export const latestPlaced = (
  attempts: readonly AttemptState[],
): { readonly n: number; readonly entry: LockEntry } | undefined => {
  let n = attempts.length;
  while (n > 0 && attempts[n - 1]?.entry?.status !== 'placed') n--;
  const entry = attempts[n - 1]?.entry;
  return entry === undefined ? undefined : { n, entry };
};

/**
 * `; edited since attempt 2: redialled as it is now` for a row that redials whose latest
 * placed attempt was placed under another definition, when its attempts go on (see
 * redialStops: editedSincePlaced found nothing); else nothing.
 */
export const redialledEditedWords = (
  attempts: readonly AttemptState[],
  built: PlanItem,
): string => {
  const latest = latestPlaced(attempts);
  return latest === undefined || latest.entry.definition === built.definition
    ? ''
    : `; edited since attempt ${latest.n}: redialled as it is now`;
};

/**
 * A row whose latest placed attempt was placed under another definition (its cells were
 * edited since), or to another number than the row resolves to now (`numberOf`, when given:
 * a `${VAR}` in its `to` changed since; see dialsAnotherNumberNow). A row called once is
 * placed again only with `--replace`, as an edited call is, and not at all once its
 * campaign's `end` passed (at `ended`). A row that redials places no further attempt when it
 * dials another number now than that attempt did, or whom that attempt dialled is not known
 * (redialStops): a redial would reach whom the row names now, not whom the earlier attempts
 * called; a new id calls the row as it is now. Edited and dialling the same number, it goes
 * on (undefined here). Its item, marked changed, keyed by that attempt; undefined when the
 * row is as it was placed (or never placed).
 */
export const editedSincePlaced = (
  call: CallDefinition,
  attempts: readonly AttemptState[],
  built: PlanItem,
  ended?: number,
  numberOf?: (call: CallDefinition) => string | undefined,
): PlanItem | undefined => {
  const latest = latestPlaced(attempts);
  if (latest === undefined) return undefined;
  const { n, entry } = latest;
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
  if (edited && dialsSameNumber(entry, call, numberOf)) return undefined;
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
