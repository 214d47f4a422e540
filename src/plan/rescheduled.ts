import { compileSchedule } from '../schedule/index.js';
import { isDigestOf, numberKey } from '../screen/number.js';
import { keysBetween } from '../state/calls-summary.js';
import { isInFlight } from '../state/store.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { checkWords } from './check-words.js';
import { entryAt, isEmpty } from './entries.js';
import { numberOfItem, type PlanInput } from './input.js';
import { amendItem, callOf } from './item.js';
import { formatSlot, placementKey } from './keys.js';
import { rangWords } from './renamed-words.js';
import { type TargetTwins, type TwinOf, twinHolds, twinWords } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * A call placed once whose schedule changed since it was placed. Its key holds its slot
 * (`gw/daily@2026-12-03T16:30:00Z`) or none (`gw/daily`), so a call made unscheduled (its
 * `schedule` removed, meaning to stop it), given an `at`, or whose `at` moved, finds no entry
 * under its new key: it would ring its person again. A call that runs once (unscheduled, or
 * with `at`), and a row of a campaign without `cron`, is not placed when the same call (or row)
 * placed, or may have placed (unknown, or a claim in flight), its number under another key of
 * its own, on its target or a twin of it (twins.ts): the entry itself, or a call `--replace`
 * placed again that its history keeps. A failed entry reached no one and counts for nothing,
 * under either key: a refused request is not tried again under its key once another key
 * rang. A row that redials is held so at every attempt (`#n`): its calls are counted across
 * its keys. `--replace NAME` places a call that runs once deliberately (never a row that
 * redials); `callops resolve KEY --not-placed` of an unknown one lets it be placed. A `cron`
 * call's new slots are its own (shifted slots: scheduled.ts).
 * A database store checks the rule again at the claim, against what other runners claimed
 * since the plan (rescheduled-claim.ts).
 */

/** What placed a call's number under another key of the same call. */
export interface Rescheduled {
  readonly key: string;
  readonly entry: LockEntry;
  /** The sid of the call that rang: the entry's, or the one its history keeps. */
  readonly sid?: string;
  readonly at: string;
  /** Under a twin of the item's target. */
  readonly twin?: TwinOf;
}

/** How the reason of a call so held starts (no other reason starts so). */
const HELD = 'already placed as ';
const MAYBE = 'may have been placed as ';
/** How the reason of one `--replace` places again so starts. */
const AGAIN = 'placed again (--replace): it was placed as ';

/** Whether `item` is held here. */
export const isHeldRescheduled = (item: { readonly reason?: string }): boolean =>
  item.reason?.startsWith(HELD) === true || item.reason?.startsWith(MAYBE) === true;

/** Whether `item` is placed again here, deliberately (`--replace`). */
export const isRescheduledAgain = (item: { readonly reason?: string }): boolean =>
  item.reason?.startsWith(AGAIN) === true;

/** Whether `call` runs once: unscheduled, with `at` (no `cron`), or a row without `cron`. */
export const runsOnce = (call: Pick<CallDefinition, 'schedule'>): boolean =>
  call.schedule?.cron === undefined;

/**
 * Where `call` (one that runs once) is placed on `target`: its key, with the slot of its `at`
 * (undefined when its schedule cannot be read).
 */
export const placementOf = (call: CallDefinition, target: string): Placement | undefined => {
  const spec = call.schedule;
  if (spec?.at === undefined) return { target, key: placementKey(target, call.name) };
  const at = compileSchedule(spec)?.atMs;
  if (at === undefined) return undefined;
  const slot = new Date(at);
  return { target, key: placementKey(target, call.name, slot), slot: formatSlot(slot) };
};

/**
 * What `--replace NAME` of `call` (one that runs once, never placed under its key) repeats:
 * the call that placed its number under another key of its own (placedUnderOtherKey).
 * `number`: the number it dials, `${VAR}` references resolved.
 */
export const rescheduledCall = (
  call: CallDefinition,
  target: string,
  lock: Lockfile,
  twins: TargetTwins,
  number: (call: CallDefinition) => string | undefined,
): Rescheduled | undefined => {
  if (!runsOnce(call)) return undefined;
  const at = placementOf(call, target);
  if (at === undefined || lock.calls[at.key] !== undefined) return undefined;
  return placedUnderOtherKey(lock, twins, at, () => {
    const n = number(call);
    return n === undefined ? undefined : numberKey(n);
  });
};

/** Whether the call that rang is the entry itself (not one its history keeps) and unknown. */
export const isUnknown = (found: Rescheduled): boolean =>
  found.entry.status === 'unknown' && found.sid === found.entry.sid && found.at === found.entry.at;

/** Where a call (or row) is placed: its target, its key there, and its slot (none unscheduled). */
export interface Placement {
  readonly target: string;
  readonly key: string;
  readonly slot?: string;
}

/** The key of `item` without its target, its attempt and its slot: `/<name>` or `/<campaign>/<id>`. */
const restOf = (item: Placement): string => {
  const rest = item.key.slice(item.target.length);
  const end = rest.search(/[#@]/);
  return end < 0 ? rest : rest.slice(0, end);
};

/** The slot of key `key` after `base` (`@…`, before any `#`), or '' for none. */
const formOf = (key: string, base: string): string => {
  const tail = key.slice(base.length);
  if (!tail.startsWith('@')) return '';
  const hash = tail.indexOf('#');
  return hash < 0 ? tail.slice(1) : tail.slice(1, hash);
};

/**
 * The keys of the call (or row) `base`: itself, its attempts (`#n`) and its slots (`@…`). One
 * search of the keys that start with `base` (`#` and `@` sort before every character of a
 * longer name), those of other names (`base2`, `base-x`) left out.
 */
const keysOf = (lock: Lockfile, base: string): readonly string[] => {
  const keys = keysBetween(lock.calls, base, `${base}\uffff`);
  if (keys.length === 0) return keys;
  return keys.filter((key) => {
    if (key.length === base.length) return true;
    const next = key.charCodeAt(base.length);
    return next === 35 || next === 64; // `#`, `@`
  });
};

/** The call (or row) of `item`'s key: its key after its target and `/`, up to its `@slot` or `#n`. */
export const callRestOf = (item: Placement): string => restOf(item).slice(1);

/** A key of a call (or row) under another slot than an item's, with its entry. */
export interface OtherKey {
  readonly key: string;
  readonly entry: LockEntry;
  /** Under a twin of the item's target. */
  readonly twin?: TwinOf;
}

/**
 * The keys of `item`'s call (or row) under another slot than the item's (none for an
 * unscheduled one), on `item.target` or a twin of it (those the twin holds), with their
 * entries: those placedUnderOtherKey looks at, whatever number they dialled.
 */
export const otherKeysOf = (lock: Lockfile, twins: TargetTwins, item: Placement): OtherKey[] => {
  const rest = restOf(item);
  const mine = item.slot ?? '';
  const found: OtherKey[] = [];
  const unders: { target: string; twin?: TwinOf }[] = [
    { target: item.target },
    ...twins.of(item.target).map((twin) => ({ target: twin.target, twin })),
  ];
  for (const { target, twin } of unders) {
    const base = `${target}${rest}`;
    for (const key of keysOf(lock, base)) {
      if (formOf(key, base) === mine) continue;
      const entry = lock.calls[key];
      if (entry === undefined || (twin !== undefined && !twinHolds(twin, entry))) continue;
      found.push({ key, entry, ...(twin === undefined ? {} : { twin }) });
    }
  }
  return found;
};

/**
 * The latest entry of `item`'s call (or row) under another slot than the item's (none for an
 * unscheduled one) that placed, or may have placed, the number of `digest()` (asked only when
 * such a key exists), on `item.target` or a twin of it. Undefined when none did.
 */
export const placedUnderOtherKey = (
  lock: Lockfile,
  twins: TargetTwins,
  item: Placement,
  digest: () => string | undefined,
): Rescheduled | undefined => {
  const rest = restOf(item);
  const mine = item.slot ?? '';
  const unders: { target: string; twin?: TwinOf }[] = [
    { target: item.target },
    ...twins.of(item.target).map((twin) => ({ target: twin.target, twin })),
  ];
  let number: string | null | undefined;
  let found: Rescheduled | undefined;
  for (const { target, twin } of unders) {
    const base = `${target}${rest}`;
    for (const key of keysOf(lock, base)) {
      if (formOf(key, base) === mine) continue;
      const entry = lock.calls[key];
      if (entry === undefined || (twin !== undefined && !twinHolds(twin, entry))) continue;
      number ??= digest() ?? null;
      if (number === null) return undefined;
      const rang =
        (entry.status === 'placed' || entry.status === 'unknown') &&
        isDigestOf(entry.number, number)
          ? { sid: entry.sid, at: entry.at }
          : entry.history?.find((h) => isDigestOf(h.number, number as string));
      if (rang === undefined) continue;
      if (found !== undefined && found.at >= rang.at) continue;
      found = {
        key,
        entry,
        at: rang.at,
        ...(rang.sid === undefined ? {} : { sid: rang.sid }),
        ...(twin === undefined ? {} : { twin }),
      };
    }
  }
  return found;
};

/** `under target gw, which …` of an entry under a twin; nothing under the item's own target. */
const underWords = (found: Rescheduled): string =>
  found.twin === undefined ? '' : `, under target ${found.twin.target}, ${twinWords(found.twin)}`;

/** What became of the call that rang: `placed <sid> at …`, unknown, in flight. */
const rang = (found: Rescheduled): string =>
  isUnknown(found) ? rangWords(found.entry) : `placed ${found.sid ?? '(no sid)'} at ${found.at}`;

/** What a row that redials, held so, is told: nothing calls it again at that number. */
const REDIAL_HELD_WORDS =
  'it is not called again at this number: `--replace` does not take a row that redials, and under a new id the row would be held too, as a new key does not call a person again';

/**
 * Why `item` is not placed: its call placed its number under `found.key`. A row of a campaign
 * that redials is never placed again by `--replace` (each attempt is placed once), nor by a
 * new id: renamed, the row is held as one whose person the campaign called under another key,
 * and copied beside it under a new id, it would call its number twice. Its words say that it
 * is not called again at that number, and offer no way that does.
 */
export const rescheduledWords = (found: Rescheduled, item: PlanItem): string => {
  const redials = callOf(item)?.redial !== undefined;
  const rule = redials
    ? "its schedule changed since, and a row's calls are counted across its keys"
    : 'its schedule changed since, and a call that runs once is placed once';
  if (!isUnknown(found)) {
    const again = redials
      ? REDIAL_HELD_WORDS
      : `\`callops apply --replace ${item.name}\` places it again`;
    return `${HELD}${found.key} (${rang(found)})${underWords(found)}: ${rule}; ${again}`;
  }
  const settle = isInFlight(found.entry)
    ? ''
    : `; ${checkWords(found.key)}, or \`callops resolve ${found.key} --not-placed\` lets it be placed`;
  return `${MAYBE}${found.key} (${rang(found)})${underWords(found)}: ${rule}${settle}`;
};

/** What an item `--replace` places again says of the call it repeats. */
const againWords = (found: Rescheduled): string =>
  `${AGAIN}${found.key} (${rang(found)})${underWords(found)}, before its schedule changed`;

/**
 * Whether `--replace` (of the item's name: a call's, or a row's `<campaign>/<id>`) places
 * `item` again: what it repeats was placed, not unknown.
 */
const replaced = (item: PlanItem, found: Rescheduled, input: PlanInput): boolean =>
  !isUnknown(found) && input.replace?.includes(item.name) === true;

/**
 * Whether the plan looks for `item`'s call under its other keys, `lock` as it read it: a
 * call (or row) that runs once, no replacement of its own key, nothing under its own key
 * but a refused request (a failed call reached no one: tried again, it would ring the person
 * the other key rang). A row's redial (`#n`) is asked as its first attempt is: a row's calls
 * are counted across its keys, and its own attempts are all of one slot (none), so only a
 * key of another schedule is found.
 */
export const isAsked = (item: PlanItem, lock: Lockfile): boolean => {
  const call = callOf(item);
  if (call === undefined || !runsOnce(call) || item.replaces !== undefined) return false;
  const own = entryAt(lock.calls, item.key);
  return own === undefined || own.status === 'failed';
};

/** One list sorted out: each item held, placed again (`--replace`), or kept as it was. */
const sortOut = (
  items: readonly PlanItem[],
  input: PlanInput,
  twins: TargetTwins,
  held: PlanItem[],
): readonly PlanItem[] => {
  let kept: PlanItem[] | undefined;
  const numberOf = numberOfItem(input);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as PlanItem;
    const found = isAsked(item, input.lock)
      ? placedUnderOtherKey(input.lock, twins, item, () => {
          const number = numberOf(item);
          return number === undefined ? undefined : numberKey(number);
        })
      : undefined;
    let keep: PlanItem | undefined = item;
    if (found !== undefined) {
      if (replaced(item, found, input)) {
        keep = amendItem(item, { reason: againWords(found) });
      } else {
        keep = undefined;
        held.push(
          amendItem(item, {
            reason: rescheduledWords(found, item),
            waiting: undefined,
            opens: undefined,
          }),
        );
      }
    }
    if (keep !== item && kept === undefined) kept = items.slice(0, i);
    if (keep !== undefined) kept?.push(keep);
  }
  return kept ?? items;
};

/**
 * The due and upcoming items of calls that run once (unscheduled, `at`, rows of campaigns
 * without `cron`) never placed under their key whose call placed their number under another
 * key of its own: skipped with why (`held`), or placed again when `--replace` names them (the
 * same arrays when none is either).
 */
export const holdRescheduled = (
  due: readonly PlanItem[],
  upcoming: readonly PlanItem[],
  input: PlanInput,
  twins: TargetTwins,
): {
  readonly due: readonly PlanItem[];
  readonly upcoming: readonly PlanItem[];
  readonly held: readonly PlanItem[];
} => {
  // Nothing was placed under any key: no call placed its number under another.
  if (isEmpty(input.lock.calls)) return { due, upcoming, held: [] };
  const held: PlanItem[] = [];
  return {
    due: sortOut(due, input, twins, held),
    upcoming: sortOut(upcoming, input, twins, held),
    held,
  };
};
