import { numberOfCall } from '../plan/item.js';
import { isHeldRenamed } from '../plan/renamed.js';
import { dialledAsOtherRow, dialledCache, isHeldShifted, type RowNumber } from '../plan/shifted.js';
import type { TargetTwins } from '../plan/twins.js';
import type { Plan } from '../plan/types.js';
import type { Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';

/** Whether the row `call` (placed under `rowKey` on `target`) is held back, as the plan holds it. */
export type IsHeld = (call: CallDefinition, target: string, rowKey: string) => boolean;

/**
 * Campaign rows that are never placed because the campaign already dialled their number
 * under another row's key (a CSV without an `id` column whose keys shifted, or one with it
 * whose other row dials it too, but with `shared_numbers: true`), or an earlier row of the
 * same run dials it (pure): the rows `plan` holds back (holdShiftedRows), and the ones it
 * would hold once due or that its `end` passed (by the same lockfile digests, whatever the
 * row waits for). Each campaign's numbers are gathered once, and a row's number is hashed
 * only when its campaign dialled anyone. `numberOf`: the number a row dials, as the plan read it (its `${VAR}` resolved: engine/prepare.ts).
 * `twins`: the twins of each target (twins.ts), whose entries of the campaign count as the
 * row's target's own, as the plan counts them.
 */
export const heldRows = (
  lock: Lockfile,
  plan: Plan,
  numberOf: RowNumber = numberOfCall,
  twins?: TargetTwins,
): IsHeld => {
  const byPlan = new Set<string>();
  // A row's slot held because its campaign, renamed, placed it under its old name: that row
  // waits for its next slot, it is not held.
  for (const item of plan.skipped) {
    if (isHeldShifted(item) && !isHeldRenamed(item)) byPlan.add(item.name);
  }
  const cache = dialledCache(numberOf, twins);
  return (call, target, rowKey) =>
    byPlan.has(call.name) ||
    dialledAsOtherRow(call.campaign, target, rowKey, () => numberOf(call), lock, cache) !==
      undefined;
};
