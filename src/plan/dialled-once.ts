import { numberKey } from '../screen/number.js';
import type { Sink } from './buckets.js';
import { entryAt } from './entries.js';
import { numberOfItem, type PlanInput } from './input.js';
import { amendItem } from './item.js';
import type { RenamedEntry, RenamedSlots } from './renamed.js';
import { rangWords, whoseWords } from './renamed-words.js';
import type { PlanItem } from './types.js';

/** A call or row placed once that is new by its name, but whose number an older name dialled. */

/**
 * An unscheduled call (or campaign row) never placed whose number an unscheduled call or
 * campaign row no longer defined may have rung: most often the same call renamed, or made a
 * campaign of the same name (a campaign made a call). Its number is read only when its target
 * holds such an entry.
 */
export const dialledOnce = (
  renamed: RenamedSlots,
  target: string,
  built: PlanItem,
  input: PlanInput,
): RenamedEntry | undefined => {
  if (!renamed.anyOnce(target)) return undefined;
  const number = numberOfItem(input)(built);
  return number === undefined ? undefined : renamed.once(target, numberKey(number));
};

/**
 * `add`, which says of a campaign row placed once (calling hours, `start`, `end`, `redial`)
 * due for the first time what the plan says of an unscheduled call (dialledOnce); `add` itself
 * while the target holds no entry of an unscheduled call or row no longer defined.
 */
export const noteDialledOnce = (
  add: Sink,
  renamed: RenamedSlots,
  target: string,
  input: PlanInput,
): Sink =>
  !renamed.anyOnce(target)
    ? add
    : (bucket, item) => {
        const first =
          bucket === 'due' &&
          item.reason === undefined &&
          item.replaces === undefined &&
          !item.key.includes('#') &&
          entryAt(input.lock.calls, item.key) === undefined;
        const before = first ? dialledOnce(renamed, target, item, input) : undefined;
        add(
          bucket,
          before === undefined ? item : amendItem(item, { reason: dialledOnceWords(before) }),
        );
      };

/** Why a call new by its name is still due, though its number was dialled under another. */
export const dialledOnceWords = (before: RenamedEntry): string =>
  `new by its name, but its number was dialled as ${before.key} (${rangWords(before.entry)}), ${whoseWords(before)}: placed again`;
