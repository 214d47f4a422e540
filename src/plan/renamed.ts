import { isDigestOf, keyDigests } from '../screen/number.js';
import { keysBetween } from '../state/calls-summary.js';
import { lowerBound } from '../state/sorted.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { type DialledCache, dialledCache, keysThatDialled, rowsThatDialled } from './shifted.js';
import type { TwinOf } from './twins.js';

/** An entry of a call no longer defined that dialled a number at a slot. */
export interface RenamedEntry {
  readonly key: string;
  readonly entry: LockEntry;
  /** Whether `key` is a campaign row's (`<target>/<campaign>/<id>…`), not a call's. */
  readonly row: boolean;
  /**
   * Whether the name in `key` is the other kind's now: a call's name that a campaign has now,
   * or a campaign's that a call has (the call made a campaign, or the campaign a call).
   */
  readonly converted: boolean;
  /** Its call (or campaign) is still in the files, of the same kind, but disabled. */
  readonly disabled?: true;
  /**
   * Its key is under a twin of the target asked (twins.ts): a target no longer defined, or
   * one on the same gateway.
   */
  readonly twin?: TwinOf;
  /** Under a twin, the same key but for its target: the call (or row) itself. */
  readonly same?: true;
}

/**
 * The `schedules` memory (`<target>/<name>`) of what placed `entry` on `target`: its call's,
 * or its campaign's for a row.
 */
export const memoryOfEntry = (target: string, { key, row, twin }: RenamedEntry): string => {
  const under = twin?.target ?? target;
  const rest = key.slice(under.length + 1);
  return `${under}/${rest.slice(0, rest.search(row ? /\// : /@|$/))}`;
};

/** Such an entry with its slot (as keys write it): what a later slot of it supersedes. */
export interface RenamedSlot extends RenamedEntry {
  readonly slot: string;
}

/** How the reason of a slot held here starts: `<this><old key> (…)` (renamed-words.ts). */
export const RENAMED_PREFIX = 'not placed: this slot already dialled its number as ';

/**
 * Whether a skipped item is a slot held here. Its row is not held as the campaign's own checks
 * hold one (isHeldShifted, whose prefix it shares): its next slot is placed as usual.
 */
export const isHeldRenamed = (item: { readonly reason?: string }): boolean =>
  item.reason?.startsWith(RENAMED_PREFIX) === true;

/**
 * What a campaign row asks: its slots placed under a campaign name no campaign has now, or
 * by a call no longer defined (the campaign was a call before).
 */
export interface RenamedRow {
  /** The entry at `slot` (as keys write it) that may have rung the row's person. */
  at(slot: string): RenamedEntry | undefined;
  /**
   * The slots from `lo` to `hi` (as keys write them, both included) that `at` answers, as one
   * string: what a slot search shared among rows (slot-share.ts) reads of them.
   */
  within(lo: string, hi: string): string;
  /**
   * The latest of those slots from `lo` to `hi` (both included): a slot of the row not later
   * than it is superseded (a cron or time zone edited with the rename, its slots are others).
   */
  latest(lo: string, hi: string): RenamedSlot | undefined;
}

/**
 * The slots the lockfile holds of scheduled calls no longer defined: most often a call renamed
 * since, whose slots a new name would place again. Keys are `<target>/<name>@<slot>`, and a
 * renamed call's next key names the same slot under another name: the person was called for
 * that slot already, so the slot is not placed again (a slot is placed once, whatever the
 * call's name). A campaign's rows likewise (`<target>/<campaign>/<id>@<slot>`): a campaign
 * renamed finds its rows' slots under its old name, by the number each dialled. A call made a
 * campaign of the same name (or a campaign made a call) is no longer defined either: a call's
 * keys are its own only while a call (not a campaign) has its name, a campaign's rows only
 * while a campaign has it; and a row asks the slots of calls no longer defined as a call asks
 * those of campaigns' rows. Built per target on the first question, from the keys alone (no
 * entry read); an entry is read only at a slot asked of, and a campaign's only once one of
 * its slots is left without a call. A `digest` asked by is a number's key (numberKey: its
 * digest, and the one an earlier release recorded of it as written), or a digest.
 */
export interface RenamedSlots {
  /**
   * Whether `target` holds slots of a call or campaign no longer defined at all (else none is
   * asked, and no number is read for it).
   */
  any(target: string): boolean;
  /**
   * The entry at `slot` (as keys write it) on `target` of a call no longer defined, or of a
   * row of a campaign no longer defined, that may have rung (placed or unknown) the number
   * whose digest is `digest`: what a call (not a campaign's row) asks.
   */
  at(target: string, slot: string, digest: string): RenamedEntry | undefined;
  /**
   * The latest slot from `lo` to `hi` (as keys write them, both included) that `at` answers
   * for `digest`, whatever slot the call's schedule has now: a cron or time zone edited
   * with the rename makes its slots others, and none of them not later than this is placed.
   */
  latest(target: string, digest: string, lo: string, hi: string): RenamedSlot | undefined;
  /** Whether `target` holds entries of unscheduled calls or campaigns no longer defined. */
  anyOnce(target: string): boolean;
  /**
   * An entry on `target` of an unscheduled call (or campaign's row) no longer defined that
   * may have rung (placed or unknown) the number whose digest is `digest`: a call renamed,
   * most often, or made a campaign. Unlike a slot, it is not held by it (an unscheduled key
   * has no deadline: a hold would last for ever), only said of in the plan.
   */
  once(target: string, digest: string): RenamedEntry | undefined;
  /**
   * Of the row `row` on `target`: the slots that campaigns, or calls, no longer defined placed
   * (or may have) to its number (`digest()`, asked only when `any(target)`). Undefined when
   * none of them dialled it: the row asks nothing more.
   */
  row(
    target: string,
    row: NonNullable<CallDefinition['campaign']>,
    digest: () => string | undefined,
  ): RenamedRow | undefined;
}

/** Which names the project defines, and as what. */
interface Names {
  /** Calls (not campaigns) enabled: their keys are their own. */
  readonly calls: ReadonlySet<string>;
  /** Campaigns enabled: their rows' keys are their own. */
  readonly campaigns: ReadonlySet<string>;
  /** Every name, enabled or not, with whether a campaign has it. */
  readonly kinds: ReadonlyMap<string, 'call' | 'campaign'>;
}

/** What a target holds of calls no longer defined. */
interface Orphans {
  /** Slots of calls (not campaigns), each with its key or keys. */
  readonly slots: ReadonlyMap<string, string | readonly string[]>;
  /** Campaigns that hold slots of their rows. */
  readonly campaigns: readonly string[];
  /** Keys of unscheduled calls (`<target>/<name>`). */
  readonly once: readonly string[];
  /** Every campaign's rows: where its keys are among `keys`. */
  readonly rows: readonly { readonly name: string; readonly from: number; readonly to: number }[];
  /** The target's keys, in order. */
  readonly keys: readonly string[];
}

/** A call's slots that dialled one number, by slot (in order), with the key of each. */
interface SlotsOfNumber {
  readonly slots: string[];
  readonly keys: string[];
}

/** Placed or unknown (a claim in flight too) to the number of `digest`: it may have rung. */
const mayHaveRung = (entry: LockEntry | undefined, digest: string): entry is LockEntry =>
  entry !== undefined &&
  isDigestOf(entry.number, digest) &&
  (entry.status === 'placed' || entry.status === 'unknown');

/**
 * Whether some key of one campaign's rows (`keys` from `from` to before `to`, of the campaign
 * whose keys start with `head`) has a slot (`slotted`), or has none. A row's slots sort
 * together (`<row>@…`, just below `<row>A`): past the first, the walk jumps.
 */
const hasKey = (
  keys: readonly string[],
  from: number,
  to: number,
  head: number,
  slotted: boolean,
): boolean => {
  let i = from;
  while (i < to) {
    const key = keys[i] as string;
    const at = key.indexOf('@', head);
    if (at < 0) {
      if (!slotted) return true;
      i++;
    } else {
      if (slotted) return true;
      i = lowerBound(keys, `${key.slice(0, at)}A`);
    }
  }
  return false;
};

/** The slots of one number under several digests (numberKey) as one, in order of slot. */
const mergedSlots = (of: readonly (SlotsOfNumber | undefined)[]): SlotsOfNumber => {
  const pairs: [string, string][] = [];
  for (const slots of of) {
    if (slots === undefined) continue;
    for (let i = 0; i < slots.slots.length; i++) {
      pairs.push([slots.slots[i] as string, slots.keys[i] as string]);
    }
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { slots: pairs.map((p) => p[0]), keys: pairs.map((p) => p[1]) };
};

/** The slot of a slot key (`…@<slot>`). */
const slotOf = (key: string): string => key.slice(key.lastIndexOf('@') + 1);

/**
 * The latest key from `<base>@<lo>` to `<base>@<hi>` of the rows `bases` whose entry may have
 * rung the number of `digest`, and its slot; `found` when later.
 */
const latestOfRows = (
  lock: Lockfile,
  bases: readonly string[],
  digest: string,
  lo: string,
  hi: string,
  found?: { readonly key: string; readonly slot: string },
): { readonly key: string; readonly slot: string } | undefined => {
  let best = found;
  for (const base of bases) {
    const keys = keysBetween(lock.calls, `${base}@${lo}`, `${base}@${hi}`);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const slot = slotOf(key);
      if (best !== undefined && slot <= best.slot) break;
      if (mayHaveRung(lock.calls[key], digest)) {
        best = { key, slot };
        break;
      }
    }
  }
  return best;
};

/**
 * `calls`: the project's calls, best once by name (a campaign as its template), so that no
 * campaign row is made to ask which names are defined; `campaigns`: which of them are
 * campaigns' templates (a template is written as a call), beside rows, which say so. `cache`:
 * the plan's index of the numbers each campaign dialled (shifted.ts), which finds a renamed
 * campaign's rows.
 */
export const renamedSlots = (
  lock: Lockfile,
  calls: readonly CallDefinition[],
  cache: DialledCache = dialledCache(),
  campaigns: readonly string[] = [],
): RenamedSlots => {
  const byTarget = new Map<string, Orphans>();
  let names: Names | undefined;
  // A call disabled is not one the slot belongs to: its copy under a new name is the call now.
  const namesOf = (): Names => {
    if (names !== undefined) return names;
    const templates = new Set(campaigns);
    const plain = new Set<string>();
    const rows = new Set<string>();
    const kinds = new Map<string, 'call' | 'campaign'>();
    for (const c of calls) {
      const campaign = c.campaign?.name ?? (templates.has(c.name) ? c.name : undefined);
      const name = campaign ?? c.name;
      kinds.set(name, campaign === undefined ? 'call' : 'campaign');
      if (c.enabled) (campaign === undefined ? plain : rows).add(name);
    }
    names = { calls: plain, campaigns: rows, kinds };
    return names;
  };
  const orphansOf = (target: string): Orphans => {
    const known = byTarget.get(target);
    if (known !== undefined) return known;
    const defined = namesOf();
    const slots = new Map<string, string | string[]>();
    const slotted: string[] = [];
    const once: string[] = [];
    const rows: { name: string; from: number; to: number }[] = [];
    const prefix = `${target}/`;
    const keys = keysBetween(lock.calls, prefix, `${prefix}\uffff`);
    // A name's keys sort together: `name/…` just below `name0`, `name@…` just below `nameA`
    // (no character sorts between). A name's calls' keys and its rows' are told apart: a
    // call's are its own only while a call has the name, its rows' while a campaign has it.
    // Past a defined call's keys, or a campaign's rows, the scan jumps.
    let i = 0;
    while (i < keys.length) {
      const key = keys[i] as string;
      const rest = key.slice(prefix.length);
      const end = rest.search(/[@/]/);
      if (end < 0) {
        if (!defined.calls.has(rest)) once.push(key);
        i++;
        continue;
      }
      const name = rest.slice(0, end);
      if (rest[end] === '/') {
        // A campaign's rows: one slot key among them (`<id>@<slot>`) is enough; whether some
        // have none is asked only of an unscheduled call's plan (onceRowsOf).
        const to = lowerBound(keys, `${prefix}${name}0`);
        if (!defined.campaigns.has(name)) {
          rows.push({ name, from: i, to });
          if (hasKey(keys, i, to, prefix.length + end + 1, true)) slotted.push(name);
        }
        i = to;
        continue;
      }
      if (defined.calls.has(name)) {
        i = lowerBound(keys, `${prefix}${name}A`);
        continue;
      }
      const slot = rest.slice(end + 1);
      const found = slots.get(slot);
      if (found === undefined) slots.set(slot, key);
      else slots.set(slot, typeof found === 'string' ? [found, key] : [...found, key]);
      i++;
    }
    const made = { slots, campaigns: slotted, once, rows, keys };
    byTarget.set(target, made);
    return made;
  };
  /** `key` on `target` and its entry as found, with what its name is now. */
  const renamedEntry = (
    target: string,
    key: string,
    entry: LockEntry,
    row: boolean,
  ): RenamedEntry => {
    const rest = key.slice(target.length + 1);
    const name = rest.slice(0, rest.search(row ? /\// : /@|$/));
    const now = namesOf().kinds.get(name);
    const converted = now === (row ? 'call' : 'campaign');
    const disabled = now === (row ? 'campaign' : 'call');
    return { key, entry, row, converted, ...(disabled ? { disabled: true as const } : {}) };
  };
  // Of each target: the calls' slots no longer defined by the number they dialled (read only
  // when a campaign's row asks: a call reads the entries at its own slots alone).
  const slotsByNumber = new Map<string, ReadonlyMap<string, SlotsOfNumber>>();
  const slotsOfNumber = (target: string, digest: string): SlotsOfNumber | undefined => {
    let known = slotsByNumber.get(target);
    if (known === undefined) {
      const found = new Map<string, SlotsOfNumber>();
      const pairs: [string, string][] = [];
      for (const [slot, keys] of orphansOf(target).slots) {
        for (const key of typeof keys === 'string' ? [keys] : keys) pairs.push([slot, key]);
      }
      pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      for (const [slot, key] of pairs) {
        const entry = lock.calls[key];
        const number = entry?.number;
        if (number === undefined || !mayHaveRung(entry, number)) continue;
        const of = found.get(number) ?? { slots: [], keys: [] };
        of.slots.push(slot);
        of.keys.push(key);
        found.set(number, of);
      }
      known = found;
      slotsByNumber.set(target, known);
    }
    const [own, ...earlier] = keyDigests(digest).map((d) => known.get(d));
    return earlier.every((e) => e === undefined) ? own : mergedSlots([own, ...earlier]);
  };
  // Of each target: the slots of calls no longer defined, in order (a call's latest asks).
  const sortedByTarget = new Map<string, readonly string[]>();
  const sortedSlots = (target: string): readonly string[] => {
    let known = sortedByTarget.get(target);
    if (known === undefined) {
      known = [...orphansOf(target).slots.keys()].sort();
      sortedByTarget.set(target, known);
    }
    return known;
  };
  // Of each target and number: the rows of campaigns no longer defined that dialled it, as a
  // call (not a row) asks at each of its slots.
  const rowsByNumber = new Map<string, readonly string[]>();
  const rowsOfNumber = (target: string, digest: string): readonly string[] => {
    const id = `${target}\n${digest}`;
    const known = rowsByNumber.get(id);
    if (known !== undefined) return known;
    const rows: string[] = [];
    for (const name of orphansOf(target).campaigns) {
      for (const base of rowsThatDialled(undefined, `${target}/${name}/`, digest, lock, cache)) {
        rows.push(base);
      }
    }
    rowsByNumber.set(id, rows);
    return rows;
  };
  // Of each target: the unscheduled calls no longer defined, their keys by the number they
  // dialled. Keys, not entries: a lockfile of 100,000 one-off calls since deleted is read
  // through once, and only the entry of a number asked again is read a second time.
  const onceByTarget = new Map<string, ReadonlyMap<string, string>>();
  const onceOf = (target: string): ReadonlyMap<string, string> => {
    const known = onceByTarget.get(target);
    if (known !== undefined) return known;
    const found = new Map<string, string>();
    for (const key of orphansOf(target).once) {
      const entry = lock.calls[key];
      const number = entry?.number;
      if (number !== undefined && !found.has(number) && mayHaveRung(entry, number)) {
        found.set(number, key);
      }
    }
    onceByTarget.set(target, found);
    return found;
  };
  // Of each target: the campaigns no longer defined that hold rows without a slot.
  const onceRowsByTarget = new Map<string, readonly string[]>();
  const onceRowsOf = (target: string): readonly string[] => {
    const known = onceRowsByTarget.get(target);
    if (known !== undefined) return known;
    const { rows, keys } = orphansOf(target);
    const head = target.length + 1;
    const found = rows
      .filter((r) => hasKey(keys, r.from, r.to, head + r.name.length + 1, false))
      .map((r) => r.name);
    onceRowsByTarget.set(target, found);
    return found;
  };
  return {
    any: (target) => {
      const { slots, campaigns: slotted } = orphansOf(target);
      return slots.size > 0 || slotted.length > 0;
    },
    anyOnce: (target) => orphansOf(target).once.length > 0 || onceRowsOf(target).length > 0,
    once: (target, digest) => {
      const once = onceOf(target);
      const key = keyDigests(digest)
        .map((d) => once.get(d))
        .find((k) => k !== undefined);
      const entry = key === undefined ? undefined : lock.calls[key];
      if (key !== undefined && entry !== undefined) return renamedEntry(target, key, entry, false);
      for (const name of onceRowsOf(target)) {
        for (const key of keysThatDialled(`${target}/${name}/`, digest, lock, cache)) {
          const entry = lock.calls[key];
          if (!key.includes('@') && mayHaveRung(entry, digest)) {
            return renamedEntry(target, key, entry, true);
          }
        }
      }
      return undefined;
    },
    at: (target, slot, digest) => {
      const { slots, campaigns: slotted } = orphansOf(target);
      const found = slots.get(slot);
      if (found !== undefined) {
        for (const key of typeof found === 'string' ? [found] : found) {
          const entry = lock.calls[key];
          if (mayHaveRung(entry, digest)) return renamedEntry(target, key, entry, false);
        }
      }
      if (slotted.length === 0) return undefined;
      for (const base of rowsOfNumber(target, digest)) {
        const key = `${base}@${slot}`;
        const entry = lock.calls[key];
        if (mayHaveRung(entry, digest)) return renamedEntry(target, key, entry, true);
      }
      return undefined;
    },
    latest: (target, digest, lo, hi) => {
      const { slots, campaigns: slotted } = orphansOf(target);
      let found: { key: string; slot: string; row: boolean } | undefined;
      if (slots.size > 0) {
        const sorted = sortedSlots(target);
        for (let i = lowerBound(sorted, `${hi}\u0000`) - 1; i >= 0 && found === undefined; i--) {
          const slot = sorted[i] as string;
          if (slot < lo) break;
          const keys = slots.get(slot) as string | readonly string[];
          for (const key of typeof keys === 'string' ? [keys] : keys) {
            if (mayHaveRung(lock.calls[key], digest)) {
              found = { key, slot, row: false };
              break;
            }
          }
        }
      }
      if (slotted.length > 0) {
        const rows = latestOfRows(lock, rowsOfNumber(target, digest), digest, lo, hi, found);
        if (rows !== undefined && rows !== found) found = { ...rows, row: true };
      }
      if (found === undefined) return undefined;
      const entry = lock.calls[found.key] as LockEntry;
      return { ...renamedEntry(target, found.key, entry, found.row), slot: found.slot };
    },
    row: (target, row, digestOf) => {
      const { slots, campaigns: slotted } = orphansOf(target);
      if (slotted.length === 0 && slots.size === 0) return undefined;
      const digest = digestOf();
      if (digest === undefined) return undefined;
      const rows: string[] = [];
      for (const name of slotted) {
        const under = `${target}/${name}/`;
        for (const base of rowsThatDialled(row, under, digest, lock, cache)) rows.push(base);
      }
      const calls = slots.size === 0 ? undefined : slotsOfNumber(target, digest);
      if (rows.length === 0 && calls === undefined) return undefined;
      return {
        at: (slot) => {
          for (const base of rows) {
            const key = `${base}@${slot}`;
            const entry = lock.calls[key];
            if (mayHaveRung(entry, digest)) return renamedEntry(target, key, entry, true);
          }
          if (calls === undefined) return undefined;
          const i = lowerBound(calls.slots, slot);
          if (calls.slots[i] !== slot) return undefined;
          const key = calls.keys[i] as string;
          return renamedEntry(target, key, lock.calls[key] as LockEntry, false);
        },
        latest: (lo, hi) => {
          let found: { key: string; slot: string; row: boolean } | undefined;
          if (calls !== undefined) {
            const i = lowerBound(calls.slots, `${hi}\u0000`) - 1;
            const slot = calls.slots[i];
            if (slot !== undefined && slot >= lo) {
              found = { key: calls.keys[i] as string, slot, row: false };
            }
          }
          const of = latestOfRows(lock, rows, digest, lo, hi, found);
          if (of !== undefined && of !== found) found = { ...of, row: true };
          if (found === undefined) return undefined;
          const entry = lock.calls[found.key] as LockEntry;
          return { ...renamedEntry(target, found.key, entry, found.row), slot: found.slot };
        },
        within: (lo, hi) => {
          let found = '';
          for (const base of rows) {
            for (const key of keysBetween(lock.calls, `${base}@${lo}`, `${base}@${hi}`)) {
              if (mayHaveRung(lock.calls[key], digest)) found += `${key.slice(base.length)},`;
            }
          }
          if (calls === undefined) return found;
          found += '|';
          for (let i = lowerBound(calls.slots, lo); i < calls.slots.length; i++) {
            const slot = calls.slots[i] as string;
            if (slot > hi) break;
            found += `${slot},`;
          }
          return found;
        },
      };
    },
  };
};
