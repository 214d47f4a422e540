import { lowerBound } from './sorted.js';
import { findIn, type SpoolView, spooledEntry, spooledKeys } from './spool.js';
import type { LockEntry } from './types.js';

/**
 * Of calls read through the index (lock-index.ts): the file's keys in order and each entry's
 * text as the file holds it. What lets a change to a large lockfile keep the file's entries
 * where they are (layeredCalls) and write them out again as the bytes they were (lockfile.ts),
 * instead of parsing every entry into memory to copy and serialise it (100,000 entries: some
 * 100 MB and most of a second, for one call placed).
 */
export interface RawCalls {
  /** The keys, in the lockfile's order (sorted by UTF-16 code unit). */
  keys(): readonly string[];
  /** The text of entry `i` (of `keys()`), from its `{` to its `}`, as the file holds it. */
  text(i: number): string;
  /**
   * Keeps the file open from now on: a lockfile is replaced by a rename, so the entries keep
   * reading as they were however often the lockfile is written meanwhile.
   */
  pin(): void;
}

const raws = new WeakMap<object, RawCalls>();

/** Registers `calls` as read through the index (lock-index.ts). */
export const registerRaw = (calls: object, raw: RawCalls): void => {
  raws.set(calls, raw);
};

/** Calls no longer read as the file holds them (changed in place): never layered again. */
export const forgetRaw = (calls: object): void => {
  raws.delete(calls);
};

/** The calls read through the index as `calls`, else undefined. */
export const rawOf = (calls: object): RawCalls | undefined => raws.get(calls);

/** Calls made of the entries of a base, some of them changed or added. */
export interface Layers {
  /** The calls under the changes: read through the index, or a plain object of entries. */
  readonly base: object;
  /** The base as read through the index; undefined for a plain object of entries. */
  readonly raw: RawCalls | undefined;
  /** Entries changed or added in memory (never changed once the calls are given out). */
  readonly changes: ReadonlyMap<string, LockEntry>;
  /** Placed entries added in a spool (under the changes, over the base). */
  readonly spooled: SpoolView | undefined;
  /** Every key, in order; of each, its place among the base's keys, or -1 when added. */
  merged(): { readonly keys: readonly string[]; readonly at: Int32Array };
  /** The keys from `lo` to `hi`, both included, in order. */
  between(lo: string, hi: string): string[];
  /**
   * The text of the entry of merged key `i` as the lockfile is to hold it, when it is at hand
   * without the entry: a base entry read through the index and not changed, or a spooled one.
   */
  textOf(i: number): string | undefined;
  /** The keys whose entry is not the base's: changed or spooled. */
  changed(): Iterable<string>;
}

const layered = new WeakMap<object, Layers>();

/** The layers of calls made by layeredCalls, else undefined. */
export const layersOf = (calls: object): Layers | undefined => layered.get(calls);

/** Whether the ascending `keys` hold `key`. */
const holds = (keys: readonly string[], key: string): boolean => {
  const i = lowerBound(keys, key);
  return i < keys.length && keys[i] === key;
};

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The entries of `base` (calls read through the index, or a plain object of entries) with
 * `changes` over them, and under those the placed entries `spooled` sees: an object that
 * reads, lists and spreads as a copy of the calls with the changes made, without reading
 * any entry it is not asked for. `changes` is the caller's, to fill until the calls are given
 * out (then never changed), as is `spooled.count`. Changed in place (which nothing in
 * callops does), it becomes a plain copy of every entry, as the calls read through the index do.
 */
export const layeredCalls = (
  base: object,
  raw: RawCalls | undefined,
  changes: Map<string, LockEntry>,
  spooled?: SpoolView,
): Record<string, LockEntry> => {
  const from = base as Readonly<Record<string, LockEntry>>;
  let all: Record<string, LockEntry> | undefined;
  let merged: { keys: readonly string[]; at: Int32Array; records?: Int32Array } | undefined;
  let plainKeys: readonly string[] | undefined;
  const baseKeys = (): readonly string[] => {
    if (raw !== undefined) return raw.keys();
    plainKeys ??= Object.keys(from).sort(byCodeUnit);
    return plainKeys;
  };
  const inBase = (key: string): boolean =>
    raw !== undefined ? holds(raw.keys(), key) : Object.hasOwn(from, key);
  const record = (key: string): number => (spooled === undefined ? -1 : findIn(spooled, key));
  /** The entry read last from the spool: a listing asks for its descriptor, then its value. */
  let last: { readonly key: string; readonly entry: LockEntry } | undefined;
  /** The keys changes and the spool add (not in the base), in order, with their records. */
  const addedKeys = (): { keys: string[]; records: Int32Array | undefined } => {
    const keys: string[] = [];
    for (const key of changes.keys()) if (!inBase(key)) keys.push(key);
    const fromSpool = spooled === undefined ? [] : spooledKeys(spooled);
    const first = keys.length;
    const order: number[] = [];
    for (let r = 0; r < fromSpool.length; r++) {
      const key = fromSpool[r] as string;
      if (changes.has(key) || inBase(key)) continue;
      keys.push(key);
      order.push((spooled as SpoolView).from + r);
    }
    if (order.length === 0) return { keys: keys.sort(byCodeUnit), records: undefined };
    // Sorted with their records: positions, then keys and records in that order.
    const at = Array.from(keys, (_, i) => i).sort((i, j) =>
      byCodeUnit(keys[i] as string, keys[j] as string),
    );
    const records = new Int32Array(keys.length);
    const sorted = new Array<string>(keys.length);
    for (let i = 0; i < at.length; i++) {
      const from = at[i] as number;
      sorted[i] = keys[from] as string;
      records[i] = from < first ? -1 : (order[from - first] as number);
    }
    return { keys: sorted, records };
  };
  const mergedKeys = (): { keys: readonly string[]; at: Int32Array; records?: Int32Array } => {
    if (merged !== undefined) return merged;
    const own = baseKeys();
    const more = addedKeys();
    const keys = new Array<string>(own.length + more.keys.length);
    const at = new Int32Array(keys.length);
    const records = more.records === undefined ? undefined : new Int32Array(keys.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < keys.length; k++) {
      if (
        j >= more.keys.length ||
        (i < own.length && (own[i] as string) < (more.keys[j] as string))
      ) {
        const key = own[i] as string;
        keys[k] = key;
        at[k] = i++;
        if (records !== undefined) records[k] = changes.has(key) ? -1 : record(key);
      } else {
        keys[k] = more.keys[j] as string;
        at[k] = -1;
        if (records !== undefined) records[k] = (more.records as Int32Array)[j] as number;
        j++;
      }
    }
    merged = records === undefined ? { keys, at } : { keys, at, records };
    return merged;
  };
  // Once every key is listed (a listing asks this of each), a search among them: a spooled
  // key's record is not read to say it is there.
  const has = (key: string): boolean =>
    merged !== undefined
      ? holds(merged.keys, key)
      : changes.has(key) || record(key) >= 0 || inBase(key);
  const get = (key: string): LockEntry | undefined => {
    if (all !== undefined) return all[key];
    if (changes.has(key)) return changes.get(key);
    if (last?.key === key) return last.entry;
    const r = record(key);
    if (r >= 0 && spooled !== undefined) {
      last = { key, entry: spooledEntry(spooled, r) };
      return last.entry;
    }
    if (raw !== undefined) return from[key];
    return Object.hasOwn(from, key) ? from[key] : undefined;
  };
  const whole = (): Record<string, LockEntry> => {
    if (all === undefined) {
      const copy: Record<string, LockEntry> = Object.create(null);
      for (const key of mergedKeys().keys) copy[key] = get(key) as LockEntry;
      all = copy;
      layered.delete(proxy);
    }
    return all;
  };
  const proxy = new Proxy(Object.create(null) as Record<string, LockEntry>, {
    get: (_, key) => (typeof key === 'string' ? get(key) : undefined),
    has: (_, key) => typeof key === 'string' && (all !== undefined ? key in all : has(key)),
    ownKeys: () => (all !== undefined ? Reflect.ownKeys(all) : [...mergedKeys().keys]),
    getOwnPropertyDescriptor: (_, key) => {
      if (typeof key !== 'string') return undefined;
      if (all !== undefined) return Reflect.getOwnPropertyDescriptor(all, key);
      return has(key) ? { get: () => get(key), enumerable: true, configurable: true } : undefined;
    },
    set: (_, key, value) => Reflect.set(whole(), key, value),
    defineProperty: (_, key, descriptor) => Reflect.defineProperty(whole(), key, descriptor),
    deleteProperty: (_, key) => Reflect.deleteProperty(whole(), key),
  });
  layered.set(proxy, {
    base,
    raw,
    changes,
    spooled,
    merged: mergedKeys,
    between: (lo, hi) => {
      const { keys } = mergedKeys();
      const out: string[] = [];
      for (let i = lowerBound(keys, lo); i < keys.length; i++) {
        const key = keys[i] as string;
        if (key > hi) break;
        out.push(key);
      }
      return out;
    },
    textOf: (i) => {
      const { keys, at, records } = mergedKeys();
      const key = keys[i] as string;
      if (changes.has(key)) return undefined;
      const r = records?.[i] ?? -1;
      if (r >= 0 && spooled !== undefined) return spooled.spool.text(r);
      const inRaw = at[i] as number;
      return raw !== undefined && inRaw >= 0 ? raw.text(inRaw) : undefined;
    },
    changed: () => {
      if (spooled === undefined) return changes.keys();
      const keys = [...changes.keys()];
      for (const key of spooledKeys(spooled)) if (!changes.has(key)) keys.push(key);
      return keys;
    },
  });
  return proxy;
};
