import { keysBetween } from '../state/calls-summary.js';
import { isInFlight } from '../state/store.js';
import type { Lockfile, ScheduleMemory } from '../state/types.js';
import { otherNumberWords } from './changed.js';
import { checkWords } from './check-words.js';
import { entryAt } from './entries.js';
import type { PlanInput } from './input.js';
import { amendItem, callOf } from './item.js';
import { isHeldRenamed, RENAMED_PREFIX, type RenamedEntry } from './renamed.js';
import {
  BEING_PLACED_NOW,
  onGateway,
  rangWords,
  renamedWords,
  whoseWords,
} from './renamed-words.js';
import { type TargetTwins, type TwinEntry, twinHolds } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * A call, slot or row never placed under its key whose same key under a twin of its target
 * (twins.ts) was placed, or may have been: that call, placed already under the old target's
 * name (or another name for its gateway). It is held, not placed again, and the plan says
 * why; a call placed once (or a row of a campaign without cron/at nor redial) is placed again
 * only when `--replace` names it, as an edited one is.
 */

/** The entry found under a twin, as the words of renamed slots take it. */
const asRenamed = (found: TwinEntry, item: PlanItem): RenamedEntry => ({
  ...found,
  row: item.campaign !== undefined,
  converted: false,
  same: true,
});

/** Whether `--replace NAME` may place `item` again: placed once, not a redial's attempt. */
const replaceable = (item: PlanItem): boolean =>
  item.slot === undefined && callOf(item)?.redial === undefined;

/** How the reason of a call held while another runner places it under a twin's key starts. */
const BEING_PLACED_AS = 'not placed: being placed as ';

/**
 * Why `item` (its key never placed) is not placed: the same key under a twin of its target
 * may have rung. A slot is held as a renamed call's slot is (renamed-words.ts).
 */
export const twinHeldWords = (found: TwinEntry, item: PlanItem): string => {
  const before = asRenamed(found, item);
  if (item.slot !== undefined) return renamedWords(before, item.campaign !== undefined);
  const { key, entry } = found;
  const what = item.campaign === undefined ? 'a call' : "a campaign's row";
  const hint =
    entry.status === 'unknown'
      ? isInFlight(entry)
        ? ''
        : `; ${checkWords(key)}, or \`callops resolve ${key} --not-placed\` lets it be placed on target ${item.target}`
      : replaceable(item)
        ? `; \`callops apply --replace ${item.name}\` places it again on target ${item.target}`
        : '';
  const rule = onGateway(found.twin, `${what} is placed once, whatever its target's name`);
  if (isInFlight(entry))
    return `${BEING_PLACED_AS}${key} (${rangWords(entry)}), ${whoseWords(before)}: ${rule}${hint}`;
  const as = entry.status === 'placed' ? 'already placed' : 'may have been placed';
  // A row whose key moved to another person (a row inserted above) says its call went elsewhere.
  return `not placed: ${as} as ${key} (${rangWords(entry)}${otherNumberWords(entry, item)}), ${whoseWords(before)}: ${rule}${hint}`;
};

/**
 * Whether `item` (a call, or a row placed once) is held because another runner is placing its
 * key under a twin of its target right now: a race, not a wrong name, for `--replace`.
 */
export const isTwinBeingPlaced = (item: PlanItem): boolean =>
  item.slot === undefined && item.reason?.startsWith(BEING_PLACED_AS) === true;

/**
 * How the reason of a slot held while another runner places it under a twin's key goes on
 * after `<RENAMED_PREFIX><twin's key>` (renamedWords of the same key: `the same call under
 * target …`, or `the same campaign's row …`).
 */
const SLOT_BEING_PLACED = ` (${BEING_PLACED_NOW}), the same `;

/**
 * Whether `item` (a call, a row or a slot) is held because another runner is placing its key
 * under a twin of its target right now: the same call in flight, under another target's name.
 */
export const isTwinInFlight = (item: PlanItem): boolean =>
  item.slot === undefined
    ? isTwinBeingPlaced(item)
    : isHeldRenamed(item) &&
      item.reason?.includes(SLOT_BEING_PLACED, RENAMED_PREFIX.length) === true;

/**
 * The skipped items of a plan that another runner is placing right now: under their own key
 * (its entry in flight), or under a twin's (isTwinInFlight). Due calls not sent here, that
 * `apply` names and counts apart (`inFlight`), whichever key the other runner claimed.
 */
export const inFlightSkipped = (
  skipped: readonly PlanItem[],
  calls: Lockfile['calls'],
): PlanItem[] => skipped.filter((i) => isInFlight(calls[i.key]) || isTwinInFlight(i));

/** How the reason of a call `--replace` places again under a twin's key starts. */
const PLACED_AGAIN = 'placed again (--replace): it was placed as ';

/** Whether `item` is placed again deliberately, the same key placed under a twin. */
export const isPlacedAgain = (item: PlanItem): boolean =>
  item.reason?.startsWith(PLACED_AGAIN) === true;

/** What a call `--replace` places again says of the entry it repeats under a twin. */
const placedAgainWords = (found: TwinEntry, item: PlanItem): string =>
  `${PLACED_AGAIN}${found.key} (${rangWords(found.entry)}), ${whoseWords(asRenamed(found, item))}`;

/**
 * A campaign row held because its campaign dialled the number it dials now under another row's
 * key (shifted.ts holdDialledRow), else undefined: asked before the twin's entry of its own key
 * holds it, so that the plan says whom the row would call again, not that its key was placed.
 */
export type DialledHold = (item: PlanItem) => PlanItem | undefined;

/** Each of `items` whose key a twin of its target placed (or may have): held, or kept. */
const sortOut = (
  items: readonly PlanItem[],
  twins: TargetTwins,
  input: PlanInput,
  held: PlanItem[],
  dialled: DialledHold | undefined,
): readonly PlanItem[] => {
  let kept: PlanItem[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as PlanItem;
    const found =
      item.replaces === undefined && entryAt(input.lock.calls, item.key) === undefined
        ? twins.at(item.target, item.key)
        : undefined;
    let keep: PlanItem | undefined = item;
    if (found !== undefined) {
      const again =
        found.entry.status === 'placed' &&
        replaceable(item) &&
        input.replace?.includes(item.name) === true;
      if (again) keep = amendItem(item, { reason: placedAgainWords(found, item) });
      else {
        keep = undefined;
        const shifted = item.campaign === undefined ? undefined : dialled?.(item);
        held.push(shifted ?? amendItem(item, { reason: twinHeldWords(found, item) }));
      }
    }
    if (keep !== item && kept === undefined) kept = items.slice(0, i);
    if (keep !== undefined) kept?.push(keep);
  }
  return kept ?? items;
};

/**
 * The due and upcoming items whose key a twin of their target placed (or may have), as
 * skipped items saying why (`held`), and the others as they were (the same arrays when none
 * is): a call placed once, a campaign's row (each attempt of a redial), a slot. A row whose
 * campaign dialled the number it dials now under another row's key is held as `dialled`
 * words it (a row shifted, or an id renamed, along with the target's rename).
 */
export const holdTwinKeys = (
  due: readonly PlanItem[],
  upcoming: readonly PlanItem[],
  twins: TargetTwins,
  input: PlanInput,
  dialled?: DialledHold,
): {
  readonly due: readonly PlanItem[];
  readonly upcoming: readonly PlanItem[];
  readonly held: readonly PlanItem[];
} => {
  if (!twins.any) return { due, upcoming, held: [] };
  const held: PlanItem[] = [];
  return {
    due: sortOut(due, twins, input, held, dialled),
    upcoming: sortOut(upcoming, twins, input, held, dialled),
    held,
  };
};

/** Whether an entry of call (or campaign) `name` under `twin` records the twin's gateway. */
const placedHere = (lock: Lockfile, twin: TwinEntry['twin'], name: string): boolean => {
  const base = `${twin.target}/${name}`;
  const keys = [
    base,
    ...keysBetween(lock.calls, `${base}@`, `${base}@\uffff`),
    ...keysBetween(lock.calls, `${base}/`, `${base}/\uffff`),
  ];
  return keys.some((key) => {
    const entry = lock.calls[key];
    return entry !== undefined && twinHolds(twin, entry);
  });
};

/**
 * The `schedules` memory of a scheduled call (or campaign) `name` on `target` that its memory
 * does not know, under a twin of the target: the same call, whose missed slots were reported
 * there. Kept whole, `since` too: it is the call callops saw then.
 */
export const twinMemory = (
  input: PlanInput,
  twins: TargetTwins,
  target: string,
  name: string,
): ScheduleMemory | undefined => {
  const schedules = input.lock.schedules;
  if (schedules === undefined || !twins.any) return undefined;
  for (const twin of twins.of(target)) {
    // A memory records no gateway: one of a target that does not resolve here is carried
    // only when the call's entries there record this gateway (the same call, renamed).
    if (twin.recorded !== undefined && !placedHere(input.lock, twin, name)) continue;
    const known = schedules[`${twin.target}/${name}`];
    if (known !== undefined) return known;
  }
  return undefined;
};
