import type { DialledEntry, LaterScope } from '../state/store.js';
import { formatSlot } from './keys.js';
import type { PlanItem } from './types.js';

/**
 * A slot checked again at its claim (pure): the plan supersedes a slot not later than one of
 * its call the state holds placed or unknown (entries.ts, latestTaken), but a runner on a
 * database store reads the state before another runner claims a later slot (or before a
 * runner whose clock is ahead places one). The store finds the later slots of the call under
 * its target (LaterScope), judged as the plan judges them; what it finds supersedes the slot.
 */

/**
 * What the claim of `item` carries for the store: its key up to its `@` (a campaign row's
 * own), its slot, and the instant `now` (epoch ms) the rule is judged at, a rehearsal's when
 * `rehearsal`. Undefined for an item that is no slot of its own key (unscheduled, a redial's
 * attempt) and for a replacement, which places again deliberately what its plan named.
 */
export const laterScope = (
  item: PlanItem,
  now: number,
  rehearsal: boolean,
): LaterScope | undefined => {
  const { slot, key } = item;
  if (slot === undefined || item.replaces !== undefined || !key.endsWith(`@${slot}`))
    return undefined;
  return {
    series: key.slice(0, key.length - slot.length),
    slot,
    now: formatSlot(new Date(now)),
    ...(rehearsal ? { rehearsal: true as const } : {}),
  };
};

/** Why a slot whose claim found `found` (a later slot of its call) is not placed: the plan's words. */
export const laterWords = (scope: LaterScope, found: DialledEntry): string => {
  const slot = found.key.slice(scope.series.length);
  const how = found.status === 'placed' ? 'already placed' : 'whose outcome is unknown';
  return `superseded by ${slot}, ${how}: an earlier slot is never placed after a later one`;
};
