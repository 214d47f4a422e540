import { layersOf } from './layered.js';
import { recurringKey } from './retention.js';
import { findIn, seesAny } from './spool.js';
import type { LockEntry } from './types.js';

/*
 * What calls read through the index (lock-index.ts) answer without reading their entries: how
 * many there are, which are unknown, the earliest slot of each recurring call, the keys in a
 * range, every entry at once. Registered by lock-index.ts for the calls it makes.
 */

/** What the index tells about a lock's calls without reading them. */
export interface CallsSummary {
  readonly count: number;
  readonly unknown: readonly string[];
  readonly earliest: Readonly<Record<string, number>>;
}

const summaries = new WeakMap<object, CallsSummary>();

/** The summary of `calls` when they are read through the index; undefined otherwise. */
export const summaryOf = (calls: object): CallsSummary | undefined => summaries.get(calls);

/** Of plain calls under layers (layered.ts, with a spool): what a scan of them found, once. */
const plainSummaries = new WeakMap<object, CallsSummary>();

/** The summary of plain calls (every entry in memory): one pass over them, kept. */
const plainSummary = (calls: object): CallsSummary => {
  const known = plainSummaries.get(calls);
  if (known !== undefined) return known;
  const unknown: string[] = [];
  const earliest: Record<string, number> = Object.create(null);
  const entries = calls as Readonly<Record<string, LockEntry>>;
  let count = 0;
  for (const key of Object.keys(entries)) {
    count++;
    if (entries[key]?.status === 'unknown') unknown.push(key);
    else takeSlot(earliest, key);
  }
  const summary = { count, unknown: unknown.sort(), earliest };
  plainSummaries.set(calls, summary);
  return summary;
};

/** Takes the slot of `key` (of a settled entry) into the earliest slot of its call. */
export const takeSlot = (earliest: Record<string, number>, key: string): void => {
  const slot = recurringKey(key);
  if (slot === undefined) return;
  const was = earliest[slot.name];
  if (was === undefined || slot.slotMs < was) earliest[slot.name] = slot.slotMs;
};

/**
 * The summary of `calls` read through the index, or of such calls (or plain ones) with
 * changes layered over them (layered.ts): what the index (or one pass over the plain calls)
 * says, with the changes' and the spooled entries' unknown entries and slots taken in. A
 * slot's earliest may then be earlier than the entries left say (an entry changed to
 * unknown), which only makes retention look at them all. Undefined for other calls.
 */
export const summaryOrLayered = (calls: object): CallsSummary | undefined => {
  const own = summaries.get(calls);
  if (own !== undefined) return own;
  const layers = layersOf(calls);
  if (layers === undefined) return undefined;
  const base = layers.raw === undefined ? plainSummary(layers.base) : summaries.get(layers.base);
  if (base === undefined) return undefined;
  const unknown = new Set(base.unknown);
  const earliest: Record<string, number> = Object.assign(Object.create(null), base.earliest);
  for (const [key, entry] of layers.changes) {
    if (entry.status === 'unknown') {
      unknown.add(key);
      continue;
    }
    unknown.delete(key);
    takeSlot(earliest, key);
  }
  // Spooled entries are placed (and under the changes): an unknown one of the base is no
  // longer; their slots are in the spool's earliest (of all its records: at worst earlier).
  const { spooled } = layers;
  if (spooled !== undefined && seesAny(spooled)) {
    for (const key of base.unknown)
      if (!layers.changes.has(key) && findIn(spooled, key) >= 0) unknown.delete(key);
    for (const [name, slotMs] of Object.entries(spooled.spool.earliest)) {
      const was = earliest[name];
      if (was === undefined || slotMs < was) earliest[name] = slotMs;
    }
  }
  return {
    count: layers.merged().keys.length,
    unknown: [...unknown].sort(),
    earliest,
  };
};

/** Of calls read through the index: the whole file parsed once, every entry then in memory. */
const wholes = new WeakMap<object, () => Record<string, LockEntry>>();

/**
 * `calls` as an object whose every entry is at hand: of calls read through the index, the
 * whole file parsed at once (one read, one JSON.parse) — what copying or comparing every
 * entry needs, instead of a read and a search per entry (100,000 entries: about 0.5 s
 * against seconds); other calls as they are.
 */
export const everyEntry = <T extends object>(calls: T): T => (wholes.get(calls)?.() as T) ?? calls;

/** Of calls read through the index: their keys from `lo` to `hi`, searched in the index. */
const ranges = new WeakMap<object, (lo: string, hi: string) => readonly string[]>();
/** Of other calls: their keys in the lockfile's order, sorted once per lock. */
const sortedKeys = new WeakMap<object, readonly string[]>();

/** The first of `count` ascending keys that is not below `key` (`count` when none is). */
export const keyLowerBound = (count: number, keyAt: (i: number) => string, key: string): number => {
  let low = 0;
  let high = count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (keyAt(mid) < key) low = mid + 1;
    else high = mid;
  }
  return low;
};

/** The keys from index `from` on that are at most `hi`. */
export const keysUpTo = (count: number, keyAt: (i: number) => string, from: number, hi: string) => {
  const out: string[] = [];
  for (let i = from; i < count; i++) {
    const key = keyAt(i);
    if (key > hi) break;
    out.push(key);
  }
  return out;
};

/**
 * The keys of `calls` from `lo` to `hi`, both included, in the lockfile's order (by UTF-16
 * code unit): the entries of one call within a range of slots, without listing every key of
 * a large lockfile for each call. Through the index, a search among its keys; otherwise
 * among the keys sorted once per lock (a campaign asks once per row).
 */
export const keysBetween = (calls: object, lo: string, hi: string): readonly string[] => {
  const layers = layersOf(calls);
  if (layers !== undefined) return layers.between(lo, hi);
  const indexed = ranges.get(calls);
  if (indexed !== undefined) return indexed(lo, hi);
  let keys = sortedKeys.get(calls);
  if (keys === undefined) {
    keys = Object.keys(calls).sort();
    sortedKeys.set(calls, keys);
  }
  const all = keys;
  const at = (i: number) => all[i] as string;
  return keysUpTo(all.length, at, keyLowerBound(all.length, at, lo), hi);
};

/**
 * Makes `view`, which stands for `calls` with the same keys (each entry read through it, as
 * status shows them), answer summaryOf and keysBetween as `calls` does: what the index says
 * of the keys, and the keys sorted once, are those of `calls`, neither read nor sorted again.
 */
export const sameKeysAs = (view: object, calls: object): void => {
  const summary = summaries.get(calls);
  if (summary !== undefined) summaries.set(view, summary);
  ranges.set(view, (lo, hi) => keysBetween(calls, lo, hi));
};

/**
 * Registers `calls` as read through the index: what it answers of summaryOf, keysBetween and
 * everyEntry without reading every entry.
 */
export const registerIndexed = (
  calls: object,
  indexed: {
    readonly summary?: CallsSummary;
    readonly between?: (lo: string, hi: string) => readonly string[];
    readonly whole?: () => Record<string, LockEntry>;
  },
): void => {
  if (indexed.summary !== undefined) summaries.set(calls, indexed.summary);
  if (indexed.between !== undefined) ranges.set(calls, indexed.between);
  if (indexed.whole !== undefined) wholes.set(calls, indexed.whole);
};
