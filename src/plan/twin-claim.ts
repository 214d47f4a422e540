import type { DialledEntry, KeyScope } from '../state/store.js';
import { entryOf, type SlotOwners } from './renamed-claim.js';
import { isPlacedAgain, twinHeldWords } from './twin-held.js';
import { twinOfKey } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * A claim checked again at the claim (pure) against its key under other targets: the plan
 * holds a call, slot or row whose key (but for its target) a target no longer defined, or
 * another name for its gateway, placed (twins.ts), but a runner on a database store cannot see
 * a claim another runner made after it planned (two checkouts, one with the target renamed,
 * applied at once). The store finds such a key (KeyScope); the rule of the plan judges it.
 */

/**
 * What the claim of `item` carries for the store: its key after its target. None for a
 * deliberate repeat (`--replace`), whose own earlier placement, or the one under a twin it
 * repeats, is no reason to hold it.
 */
export const keyScope = (item: PlanItem): KeyScope | undefined =>
  item.replaces !== undefined || isPlacedAgain(item)
    ? undefined
    : { rest: item.key.slice(item.target.length + 1) };

/**
 * Why `item` is not placed, its claim refused for `found` (its key under another target):
 * the words the plan gives it when that target is a twin of the item's, a target the project
 * no longer defines or one on the same gateway. Undefined when the plan would place it beside
 * (a target the project defines on another gateway: two gateways, two calls), or when the
 * project's targets are not known: the claim is made again with that key let through.
 * `digest`: the number the claim dials, if any.
 */
export const keyClaimHeld = (
  item: PlanItem,
  found: DialledEntry,
  owners: SlotOwners,
  digest?: string,
): string | undefined => {
  const twin = twinOfKey(item.target, found.key, owners.gateways);
  if (twin === undefined) return undefined;
  return twinHeldWords({ key: found.key, entry: entryOf(found, digest), twin }, item);
};
