import { keysBetween } from '../state/lock-index.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { type DialledCache, dialledCache, rowsThatDialled } from './shifted.js';
import { lowerBound } from './slot-share.js';

/** An entry of a call no longer defined that dialled a number at a slot. */
export interface RenamedEntry {
  readonly key: string;
  readonly entry: LockEntry;
}

/** How the reason of a slot held here starts: `<this><old key> (…)` (renamedWords, build.ts). */
export const RENAMED_PREFIX = 'not placed: this slot already dialled its number as ';

/**
 * Whether a skipped item is a slot held here. Its row is not held as the campaign's own checks
 * hold one (isHeldShifted, whose prefix it shares): its next slot is placed as usual.
 */
export const isHeldRenamed = (item: { readonly reason?: string }): boolean =>
  item.reason?.startsWith(RENAMED_PREFIX) === true;

/** What a campaign row asks: its slots placed under a campaign name no call has now. */
export interface RenamedRow {
  /** The entry at `slot` (as keys write it) that may have rung the row's person. */
  at(slot: string): RenamedEntry | undefined;
  /**
   * The slots from `lo` to `hi` (as keys write them, both included) that `at` answers, as one
   * string: what a slot search shared among rows (slot-share.ts) reads of them.
   */
  within(lo: string, hi: string): string;
}

/**
 * The slots the lockfile holds of scheduled calls no longer defined: most often a call renamed
 * since, whose slots a new name would place again. Keys are `<target>/<name>@<slot>`, and a
 * renamed call's next key names the same slot under another name: the person was called for
 * that slot already, so the slot is not placed again (a slot is placed once, whatever the
 * call's name). A campaign's rows likewise (`<target>/<campaign>/<id>@<slot>`): a campaign
 * renamed finds its rows' slots under its old name, by the number each dialled. Built per
 * target on the first question, from the keys alone (no entry read); an entry is read only
 * at a slot asked of, and a campaign's only once one of its slots is left without a call.
 */
export interface RenamedSlots {
  /** Whether `target` holds slots of a call no longer defined at all (else none is asked). */
  any(target: string): boolean;
  /**
   * The entry at `slot` (as keys write it) on `target` of a call no longer defined that may
   * have rung (placed or unknown) the number whose digest is `digest`.
   */
  at(target: string, slot: string, digest: string): RenamedEntry | undefined;
  /** Whether `target` holds entries of unscheduled calls no longer defined. */
  anyOnce(target: string): boolean;
  /**
   * An entry on `target` of an unscheduled call no longer defined that may have rung (placed
   * or unknown) the number whose digest is `digest`: a call renamed, most often. Unlike a
   * slot, it is not held by it (an unscheduled key has no deadline: a hold would last for
   * ever), only said of in the plan.
   */
  once(target: string, digest: string): RenamedEntry | undefined;
  /**
   * Of the row `row` on `target`: the slots that campaigns no longer defined placed (or may
   * have) to its number (`digest()`, asked only when `target` holds slots of such a
   * campaign). Undefined when none of them dialled it: the row asks nothing more.
   */
  row(
    target: string,
    row: NonNullable<CallDefinition['campaign']>,
    digest: () => string | undefined,
  ): RenamedRow | undefined;
}

/** What a target holds of calls no longer defined. */
interface Orphans {
  /** Slots of calls (not campaigns), each with its key or keys. */
  readonly slots: ReadonlyMap<string, string | readonly string[]>;
  /** Campaigns that hold slots of their rows. */
  readonly campaigns: readonly string[];
  /** Keys of unscheduled calls (`<target>/<name>`). */
  readonly once: readonly string[];
}

/** Placed or unknown (a claim in flight too) to the number of `digest`: it may have rung. */
const mayHaveRung = (entry: LockEntry | undefined, digest: string): entry is LockEntry =>
  entry !== undefined &&
  entry.number === digest &&
  (entry.status === 'placed' || entry.status === 'unknown');

/**
 * `calls`: the project's calls, best once by name (a campaign as its template), so that no
 * campaign row is made to ask which names are defined. `cache`: the plan's index of the
 * numbers each campaign dialled (shifted.ts), which finds a renamed campaign's rows.
 */
export const renamedSlots = (
  lock: Lockfile,
  calls: readonly CallDefinition[],
  cache: DialledCache = dialledCache(),
): RenamedSlots => {
  const byTarget = new Map<string, Orphans>();
  // A call disabled is not one the slot belongs to: its copy under a new name is the call now.
  let defined: ReadonlySet<string> | undefined;
  const orphansOf = (target: string): Orphans => {
    const known = byTarget.get(target);
    if (known !== undefined) return known;
    if (defined === undefined) {
      const names = new Set<string>();
      for (const c of calls) if (c.enabled) names.add(c.campaign?.name ?? c.name);
      defined = names;
    }
    const slots = new Map<string, string | string[]>();
    const campaigns: string[] = [];
    const once: string[] = [];
    const prefix = `${target}/`;
    const keys = keysBetween(lock.calls, prefix, `${prefix}\uffff`);
    // A name's keys sort together: `name/…` just below `name0`, `name@…` just below `nameA`
    // (no character sorts between). Past a defined name's, or a campaign's once known, the
    // scan jumps.
    let i = 0;
    while (i < keys.length) {
      const key = keys[i] as string;
      const rest = key.slice(prefix.length);
      const end = rest.search(/[@/]/);
      if (end < 0) {
        if (!defined.has(rest)) once.push(key);
        i++;
        continue;
      }
      const name = rest.slice(0, end);
      const row = rest[end] === '/';
      if (defined.has(name)) {
        i = lowerBound(keys, `${prefix}${name}${row ? '0' : 'A'}`);
        continue;
      }
      if (row) {
        // A campaign's rows: one slot key among them (`<id>@<slot>`) is enough.
        if (rest.includes('@', end)) {
          campaigns.push(name);
          i = lowerBound(keys, `${prefix}${name}0`);
        } else i++;
        continue;
      }
      const slot = rest.slice(end + 1);
      const found = slots.get(slot);
      if (found === undefined) slots.set(slot, key);
      else slots.set(slot, typeof found === 'string' ? [found, key] : [...found, key]);
      i++;
    }
    const made = { slots, campaigns, once };
    byTarget.set(target, made);
    return made;
  };
  // Of each target: the unscheduled calls no longer defined by the number they dialled.
  const onceByTarget = new Map<string, ReadonlyMap<string, RenamedEntry>>();
  const onceOf = (target: string): ReadonlyMap<string, RenamedEntry> => {
    const known = onceByTarget.get(target);
    if (known !== undefined) return known;
    const found = new Map<string, RenamedEntry>();
    for (const key of orphansOf(target).once) {
      const entry = lock.calls[key];
      const number = entry?.number;
      if (number !== undefined && !found.has(number) && mayHaveRung(entry, number)) {
        found.set(number, { key, entry });
      }
    }
    onceByTarget.set(target, found);
    return found;
  };
  return {
    any: (target) => orphansOf(target).slots.size > 0,
    anyOnce: (target) => orphansOf(target).once.length > 0,
    once: (target, digest) => onceOf(target).get(digest),
    at: (target, slot, digest) => {
      const found = orphansOf(target).slots.get(slot);
      if (found === undefined) return undefined;
      for (const key of typeof found === 'string' ? [found] : found) {
        const entry = lock.calls[key];
        if (mayHaveRung(entry, digest)) return { key, entry };
      }
      return undefined;
    },
    row: (target, row, digestOf) => {
      const { campaigns } = orphansOf(target);
      if (campaigns.length === 0) return undefined;
      const digest = digestOf();
      if (digest === undefined) return undefined;
      const rows: string[] = [];
      for (const name of campaigns) {
        const under = `${target}/${name}/`;
        for (const base of rowsThatDialled(row, under, digest, lock, cache)) rows.push(base);
      }
      if (rows.length === 0) return undefined;
      return {
        at: (slot) => {
          for (const base of rows) {
            const key = `${base}@${slot}`;
            const entry = lock.calls[key];
            if (mayHaveRung(entry, digest)) return { key, entry };
          }
          return undefined;
        },
        within: (lo, hi) => {
          let found = '';
          for (const base of rows) {
            for (const key of keysBetween(lock.calls, `${base}@${lo}`, `${base}@${hi}`)) {
              if (mayHaveRung(lock.calls[key], digest)) found += `${key.slice(base.length)},`;
            }
          }
          return found;
        },
      };
    },
  };
};
