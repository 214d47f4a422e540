import { lowerBound } from './sorted.js';
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

/** Calls made of the entries of a file read through the index, some of them changed or added. */
export interface Layers {
  /** The calls read through the index. */
  readonly base: object;
  readonly raw: RawCalls;
  /** Entries changed or added (never changed once the calls are given out). */
  readonly changes: ReadonlyMap<string, LockEntry>;
  /** Every key, in order; of each, its place among the base's keys, or -1 when added. */
  merged(): { readonly keys: readonly string[]; readonly at: Int32Array };
  /** The keys from `lo` to `hi`, both included, in order. */
  between(lo: string, hi: string): string[];
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
 * The entries of `base` (calls read through the index) with `changes` over them: an object
 * that reads, lists and spreads as a copy of the calls with the changes made, without
 * reading any entry it is not asked for. `changes` is the caller's, to fill until the calls
 * are given out (then never changed). Changed in place (which nothing in callops does), it
 * becomes a plain copy of every entry, as the calls read through the index do.
 */
export const layeredCalls = (
  base: object,
  raw: RawCalls,
  changes: Map<string, LockEntry>,
): Record<string, LockEntry> => {
  const from = base as Readonly<Record<string, LockEntry>>;
  let all: Record<string, LockEntry> | undefined;
  let merged: { keys: readonly string[]; at: Int32Array } | undefined;
  let added: readonly string[] | undefined;
  /** The keys changes add (not in the base), in order. */
  const addedKeys = (): readonly string[] => {
    if (added === undefined) {
      const keys = raw.keys();
      added = [...changes.keys()].filter((k) => !holds(keys, k)).sort(byCodeUnit);
    }
    return added;
  };
  const mergedKeys = (): { keys: readonly string[]; at: Int32Array } => {
    if (merged !== undefined) return merged;
    const own = raw.keys();
    const more = addedKeys();
    const keys = new Array<string>(own.length + more.length);
    const at = new Int32Array(keys.length);
    let i = 0;
    let j = 0;
    for (let k = 0; k < keys.length; k++) {
      if (j >= more.length || (i < own.length && (own[i] as string) < (more[j] as string))) {
        keys[k] = own[i] as string;
        at[k] = i++;
      } else {
        keys[k] = more[j++] as string;
        at[k] = -1;
      }
    }
    merged = { keys, at };
    return merged;
  };
  const has = (key: string): boolean => changes.has(key) || holds(raw.keys(), key);
  const get = (key: string): LockEntry | undefined => {
    if (all !== undefined) return all[key];
    return changes.has(key) ? changes.get(key) : from[key];
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
  });
  return proxy;
};
