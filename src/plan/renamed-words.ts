import { isInFlight } from '../state/store.js';
import type { LockEntry } from '../state/types.js';
import { checkWords } from './check-words.js';
import { RENAMED_PREFIX, type RenamedEntry, type RenamedSlot } from './renamed.js';
import { type TwinOf, twinWords } from './twins.js';

/** What the plan says of a slot or call whose number a name no longer defined dialled. */

/**
 * Why a slot is superseded by a later one placed (or that may have been) to the same number
 * under a name no call has now: an earlier slot is never placed after a later one, whatever
 * name placed it (a rename with a `cron` or `timezone` edit makes the slots others).
 */
export const movedWords = (before: RenamedSlot, row: boolean): string => {
  const whatever = orTarget(
    before,
    before.row !== row
      ? "whether a call or a campaign's row placed it"
      : row
        ? "whatever its campaign's name"
        : "whatever its call's name",
  );
  return `superseded by ${before.slot}, ${before.entry.status === 'placed' ? 'already placed' : 'whose outcome is unknown'}: its number was dialled as ${before.key} (${rangWords(before.entry)}), ${whoseWords(before)}: an earlier slot is never placed after a later one, ${whatever}`;
};

/** What rangWords says of an entry another runner is placing right now. */
export const BEING_PLACED_NOW = 'being placed by another runner right now';

/** What became of an entry that may have rung: `placed <sid> at <time>`, in flight, unknown. */
export const rangWords = (entry: LockEntry): string =>
  entry.status === 'placed'
    ? `placed ${entry.sid ?? '(no sid)'} at ${entry.at}`
    : isInFlight(entry)
      ? BEING_PLACED_NOW
      : `unknown, at ${entry.at}`;

/**
 * Whose the key of an entry no longer defined is: a call's or a campaign's no call has now
 * (renamed, most often), one still in the files but disabled, or one whose name the other
 * kind has now (a call made a campaign of the same name, or a campaign made a call).
 */
export const whoseWords = (before: RenamedEntry): string => {
  const { twin } = before;
  if (twin === undefined) return nameWords(before);
  const under = `under target ${twin.target}, ${twinWords(twin)}`;
  return before.same === true
    ? `the same ${before.row ? "campaign's row" : 'call'} ${under}`
    : `${nameWords(before)}, ${under}`;
};

/**
 * The rule a hold states (`a slot is placed once, whatever its call's name`), for an entry
 * under a twin target: whatever its target's name too, or that alone for the same key.
 */
const orTarget = (before: RenamedEntry, rule: string): string => {
  const { twin } = before;
  if (twin === undefined) return rule;
  const targets =
    before.same === true
      ? rule.replace(/whatever its (call|campaign)'s name$/, "whatever its target's name")
      : `${rule}, or its target's`;
  return onGateway(twin, targets);
};

/** A rule of placing once, for a twin on the same gateway: once on a gateway. */
export const onGateway = (twin: TwinOf, rule: string): string =>
  twin.gone ? rule : rule.replace(/ placed once\b/, ' placed once on a gateway');

const nameWords = ({ row, converted, disabled }: RenamedEntry): string =>
  disabled === true
    ? `a ${row ? 'campaign' : 'call'} now disabled (replaced by this one?)`
    : row
      ? converted
        ? "a campaign no longer defined, whose name is a call's now (made a call?)"
        : 'a campaign no call has now (renamed?)'
      : converted
        ? "a call no longer defined, whose name is a campaign's now (made a campaign?)"
        : 'a name no call has now (renamed?)';

/**
 * Why a slot is not placed under a call's new name: the slot was placed (or may have been)
 * to the same number under a name no call has now. A slot is placed once, so neither
 * `--replace` (refused for scheduled calls) nor a rename back places it again: the old key
 * is then the call's own, already placed. An unknown one settled as not placed lets it be.
 * `row`: the slot held is a campaign row's; the entry's key may be of either kind, whatever
 * the slot held is (a call made a campaign, or a campaign made a call).
 */
export const renamedWords = (before: RenamedEntry, row: boolean): string => {
  const { key, entry } = before;
  const how = rangWords(entry);
  const settle =
    entry.status === 'unknown' && !isInFlight(entry)
      ? `; ${checkWords(key)}, or \`callops resolve ${key} --not-placed\` lets it be placed within its deadline`
      : '';
  const once = orTarget(
    before,
    before.row !== row
      ? "a slot is placed once, whether a call or a campaign's row places it"
      : row
        ? "a row's slot is placed once, whatever its campaign's name"
        : "a slot is placed once, whatever its call's name",
  );
  return `${RENAMED_PREFIX}${key} (${how}), ${whoseWords(before)}: ${once}; the next slot is placed as usual${settle}`;
};
