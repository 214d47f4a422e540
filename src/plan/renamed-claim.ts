import { BEING_PLACED, type DialledEntry, IN_FLIGHT, type SlotScope } from '../state/store.js';
import type { LockEntry } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { callOf } from './item.js';
import { renamedSlots } from './renamed.js';
import { renamedWords } from './renamed-words.js';
import { dialledCache, type RowNumber } from './shifted.js';
import { targetOfKey, twinOfKey } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * A slot's claim checked again at the claim (pure): the plan holds a slot the lockfile holds
 * placed or unknown to the same number under a name no call has now (renamed.ts), on its
 * target or on a twin of it (renamed-twins.ts), but a runner on a database store cannot see a
 * claim another runner made after it planned (two checkouts at two commits, one with the call
 * renamed, its target perhaps too, applied at once). The store finds the other keys of the
 * slot that dialled the number under every target (SlotScope); the rule of the plan judges
 * each.
 */

/**
 * What the claim of `item` carries for the store: its slot, and the keys on its target that
 * are its own (its call's, or its campaign's rows, which the campaign's check judges).
 * Undefined for an item without a slot.
 */
export const slotScope = (item: PlanItem): SlotScope | undefined => {
  if (item.slot === undefined) return undefined;
  const prefix = `${item.target}/`;
  const own = item.campaign === undefined ? `${prefix}${item.name}@` : `${prefix}${item.campaign}/`;
  return { slot: item.slot, own };
};

/** What the project says of the keys a refused claim names: the plan's PlanInput fields. */
export interface SlotOwners {
  /** Every call once by its name, a campaign as its template (PlanInput.named). */
  readonly named: readonly CallDefinition[];
  /** The names of the campaigns among `named` (PlanInput.campaigns). */
  readonly campaigns?: readonly string[];
  /** The number a row dials, as the plan reads it: whether a row shares a phone. */
  readonly numberOf: RowNumber;
  /**
   * Which gateway each target the project defines places calls on (PlanInput.gateways): a
   * key claimed under another target is judged by it (twin-claim.ts).
   */
  readonly gateways?: ReadonlyMap<string, string>;
}

/** The entry `found` as the lockfile view shows it: a claim being placed is in flight. */
export const entryOf = (found: DialledEntry, digest?: string): LockEntry => ({
  status: found.status === 'placed' ? 'placed' : 'unknown',
  ...(found.sid === undefined ? {} : { sid: found.sid }),
  at: found.at,
  definition: '',
  file: '',
  ...(digest === undefined ? {} : { number: digest }),
  ...(found.gateway === undefined ? {} : { gateway: found.gateway }),
  ...(found.status === BEING_PLACED ? { message: IN_FLIGHT } : {}),
});

/**
 * Why the slot of `item` is not placed, its claim refused for `found` (another key of its slot
 * that dialled the number of `digest`): the words the plan gives a slot it holds, when that
 * key is one no enabled call (or campaign) of the project has now, as the plan judges it.
 * A key under another target is judged first by its target, as keyClaimHeld judges one: under
 * a twin of the item's target (a target the project no longer defines, or one on the same
 * gateway), by its name as if under the item's own, the words naming the twin; under a
 * target the project defines on another gateway (or when the targets are not known), two
 * gateways place a call each. Undefined when the plan would place the slot beside it (that
 * other gateway's; a call the project defines, two calls at one slot; with an `id` column, a
 * row of the CSV that dials the number now too): the claim is made again with that key let
 * through.
 */
export const slotClaimHeld = (
  item: PlanItem,
  digest: string,
  found: DialledEntry,
  owners: SlotOwners,
): string | undefined => {
  if (item.slot === undefined) return undefined;
  // Under another target: a twin's key is asked as the item's target's, any other let through.
  const under = targetOfKey(found.key);
  const twin =
    under === item.target
      ? undefined
      : twinOfKey(item.target, found.key, owners.gateways, found.gateway);
  if (under !== item.target && twin === undefined) return undefined;
  const lock = { lockfileVersion: 1 as const, calls: { [found.key]: entryOf(found, digest) } };
  const renamed = renamedSlots(
    lock,
    owners.named,
    dialledCache(owners.numberOf),
    owners.campaigns ?? [],
  );
  const campaign = item.campaign === undefined ? undefined : callOf(item)?.campaign;
  // A row without its definition is asked as a call asks: every row counts, none shares.
  const target = twin?.target ?? item.target;
  const before =
    campaign === undefined
      ? renamed.at(target, item.slot, digest)
      : renamed.row(target, campaign, () => digest)?.at(item.slot);
  if (before === undefined) return undefined;
  return renamedWords(
    twin === undefined ? before : { ...before, twin },
    item.campaign !== undefined,
  );
};
