import type { DialledEntry, KeyScope, SeenEntry } from '../state/store.js';
import { isInFlight } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import { entryOf, type SlotOwners } from './renamed-claim.js';
import { isPlacedAgain, twinHeldWords } from './twin-held.js';
import { mayHaveRung, type TargetTwins, twinHolds, twinOfKey } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * A claim checked again at the claim (pure) against its key under other targets: the plan
 * holds a call, slot or row whose key (but for its target) a target no longer defined, or
 * another name for its gateway, placed (twins.ts), but a runner on a database store cannot see
 * a claim another runner made after it planned (two checkouts, one with the target renamed,
 * applied at once). The store finds such a key (KeyScope); the rule of the plan judges it.
 *
 * A deliberate repeat (`--replace`) is checked too, against what its plan read there: of two
 * runners replacing one call under two targets' names (`gw/welcome` replaced in one checkout,
 * placed again as `production/welcome` in the other, the target renamed), the one that comes
 * second finds the other's claim or call, and replaces nothing.
 */

/** The state a plan was made from, and the twins of its targets (twins.ts). */
export interface PlannedKeys {
  readonly lock: Lockfile;
  readonly twins: TargetTwins;
}

/** Whether `item` places a placed call again (`--replace`): its own key's, or a twin's. */
const repeats = (item: PlanItem): boolean => item.replaces !== undefined || isPlacedAgain(item);

/**
 * The entries of `item`'s key under the twins of its target that may have rung, as `planned`
 * read them, none in flight: a claim being placed is no call the repeat may stand beside.
 */
const seenEntries = (item: PlanItem, planned: PlannedKeys): SeenEntry[] => {
  const rest = item.key.slice(item.target.length);
  const seen: SeenEntry[] = [];
  for (const twin of planned.twins.of(item.target)) {
    const key = `${twin.target}${rest}`;
    const entry = planned.lock.calls[key];
    if (!mayHaveRung(entry) || isInFlight(entry) || !twinHolds(twin, entry)) continue;
    const status = entry.status === 'placed' ? 'placed' : 'unknown';
    seen.push({ key, status, ...(entry.sid === undefined ? {} : { sid: entry.sid }) });
  }
  return seen;
};

/**
 * What the claim of `item` carries for the store: its key after its target. A deliberate
 * repeat (`--replace`) carries the entries of that key under the twins of its target as
 * `planned` read them (asked only for such a claim), which it may stand beside while they are
 * as read: its own earlier placement, or the twin's it places again, is no reason to hold it,
 * but another runner's claim or call there since is.
 */
export const keyScope = (item: PlanItem, planned: () => PlannedKeys): KeyScope => {
  const rest = item.key.slice(item.target.length + 1);
  return repeats(item) ? { rest, seen: seenEntries(item, planned()) } : { rest };
};

/**
 * The sid of the placed call `item` places again (`--replace`): its own key's, or the twin's
 * whose key it places again (as `planned` read it). Undefined for any other item.
 */
export const repeatedSid = (item: PlanItem, planned: () => PlannedKeys): string | undefined => {
  if (item.replaces !== undefined) return item.replaces.sid;
  if (!isPlacedAgain(item)) return undefined;
  return planned().twins.at(item.target, item.key)?.entry.sid;
};

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
  const twin = twinOfKey(item.target, found.key, owners.gateways, found.gateway);
  if (twin === undefined) return undefined;
  return twinHeldWords({ key: found.key, entry: entryOf(found, digest), twin }, item);
};
