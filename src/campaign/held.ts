import {
  type DialledNumbers,
  dialledByOtherRow,
  dialledNumbers,
  isHeldShifted,
} from '../plan/shifted.js';
import type { Plan } from '../plan/types.js';
import { destinationNumber, numberDigest } from '../screen/number.js';
import type { Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';

/** Whether the row `call` (placed under `rowKey` on `target`) is held back, as the plan holds it. */
export type IsHeld = (call: CallDefinition, target: string, rowKey: string) => boolean;

/**
 * Rows of campaigns whose CSV has no `id` column that are never placed because the campaign
 * already dialled their number under another row's key, or an earlier row of the same run
 * dials it (pure): the rows `plan` holds back (holdShiftedRows), and the ones it would hold
 * once due or that its `end` passed (by the same lockfile digests, whatever the row waits
 * for). Each campaign's numbers are gathered once, and a row's number is hashed only when
 * its campaign dialled anyone: a campaign with an id column costs nothing.
 */
export const heldRows = (lock: Lockfile, plan: Plan): IsHeld => {
  const byPlan = new Set<string>();
  for (const item of plan.skipped) if (isHeldShifted(item)) byPlan.add(item.name);
  const indexes = new Map<string, DialledNumbers>();
  return (call, target, rowKey) => {
    if (byPlan.has(call.name)) return true;
    const campaign = call.campaign;
    if (campaign?.positional !== true) return false;
    const prefix = `${target}/${campaign.name}/`;
    let numbers = indexes.get(prefix);
    if (numbers === undefined) {
      numbers = dialledNumbers(lock, prefix);
      indexes.set(prefix, numbers);
    }
    if (numbers.size === 0) return false;
    const number = destinationNumber(call.optionAt ? call.optionAt('to') : call.options.to);
    return (
      number !== undefined && dialledByOtherRow(numbers, numberDigest(number), rowKey) !== undefined
    );
  };
};
