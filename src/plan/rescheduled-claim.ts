import type { CallScope, DialledEntry, SeenEntry } from '../state/store.js';
import { isInFlight } from '../state/store.js';
import { entryOf, type SlotOwners } from './renamed-claim.js';
import {
  callRestOf,
  isAsked,
  isRescheduledAgain,
  otherKeysOf,
  placedUnderOtherKey,
  type Rescheduled,
  rescheduledWords,
} from './rescheduled.js';
import type { PlannedKeys } from './twin-claim.js';
import { mayHaveRung, targetOfKey, twinHolds, twinOfKey } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * A call that runs once checked again at its claim (pure): the plan holds a call that runs once
 * whose call placed its number under another key of its own (rescheduled.ts: its schedule
 * changed since), but a runner on a database store cannot see a claim another runner made
 * after it planned (two checkouts, the schedule changed in one of them, applied at once).
 * Every claim of a call takes a lock of the call in the store, and the claim of one that runs
 * once finds such a key there (CallScope); the rule of the plan judges it.
 *
 * A call `--replace` places again so is checked too, against what its plan read there: of
 * two runners placing it again at once, the one that comes second finds the other's claim or
 * call, and places nothing.
 */

/**
 * The entries of `item`'s call under its other keys that may have rung, as `planned` read
 * them, none in flight: a claim being placed is no call the repeat may stand beside.
 */
const seenEntries = (item: PlanItem, planned: PlannedKeys): SeenEntry[] => {
  const seen: SeenEntry[] = [];
  for (const { key, entry } of otherKeysOf(planned.lock, planned.twins, item)) {
    if (!mayHaveRung(entry) || isInFlight(entry)) continue;
    const status = entry.status === 'placed' ? 'placed' : 'unknown';
    seen.push({ key, status, ...(entry.sid === undefined ? {} : { sid: entry.sid }) });
  }
  return seen;
};

/**
 * What the claim of `item` carries for the store: its call and slot, whose lock every claim
 * of the call takes. One the plan asks of (a call that runs once, or an attempt of a row,
 * never placed under its key but for a refused request: isAsked) is checked (`once`); one
 * placed again by `--replace` with the entries of its call's other keys its plan read, which
 * it may stand beside while they are as read. `planned` is asked only of an item without a
 * replacement of its own key.
 */
export const callScope = (item: PlanItem, planned: () => PlannedKeys): CallScope => {
  const scope = { call: callRestOf(item), slot: item.slot ?? '' };
  if (item.replaces !== undefined) return scope;
  // Asked by the plan, which found what it places again: the entries it may stand beside.
  if (isRescheduledAgain(item)) return { ...scope, once: true, seen: seenEntries(item, planned()) };
  return isAsked(item, planned().lock) ? { ...scope, once: true } : scope;
};

/**
 * The sid of the placed call `item` places again (`--replace` of a call whose schedule
 * changed), as `planned` read it, `digest` the number it dials. Undefined for any other item.
 */
export const repeatedOnceSid = (
  item: PlanItem,
  planned: () => PlannedKeys,
  digest: string | undefined,
): string | undefined => {
  if (!isRescheduledAgain(item) || digest === undefined) return undefined;
  const { lock, twins } = planned();
  return placedUnderOtherKey(lock, twins, item, () => digest)?.sid;
};

/**
 * Why `item` is not placed, its claim refused for `found` (another key of its call that
 * dialled the number of `digest`): the words the plan gives a call that runs once whose
 * schedule changed, when that key is under the item's own target or a twin of it (a target
 * the project no longer defines, or one on the same gateway). Undefined when the plan would
 * place it beside (a target the project defines on another gateway: two gateways, two calls),
 * or when the project's targets are not known: the claim is made again with that key let
 * through.
 */
export const callClaimHeld = (
  item: PlanItem,
  found: DialledEntry,
  owners: Pick<SlotOwners, 'gateways'>,
  digest?: string,
): string | undefined => {
  const under = targetOfKey(found.key);
  const twin =
    under === item.target
      ? undefined
      : twinOfKey(item.target, found.key, owners.gateways, found.gateway);
  if (under !== item.target && twin === undefined) return undefined;
  const entry = entryOf(found, digest);
  if (twin !== undefined && !twinHolds(twin, entry)) return undefined;
  const before: Rescheduled = {
    key: found.key,
    entry,
    at: found.at,
    ...(found.sid === undefined ? {} : { sid: found.sid }),
    ...(twin === undefined ? {} : { twin }),
  };
  return rescheduledWords(before, item);
};
