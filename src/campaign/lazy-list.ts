/**
 * A read-only array whose elements are made when read: a campaign's rows among the calls, and
 * its plan items, are kept as numbers (row ordinals) and become objects only while a consumer
 * looks at them, so a campaign of many rows holds no object per row. Every array read works
 * (index, length, for…of, map, filter, find, spread, JSON); writes throw. An element read
 * twice is two equal objects, not one.
 */

/** Consecutive elements, each made when read. */
export class Run<T> {
  constructor(
    readonly length: number,
    readonly at: (index: number) => T,
  ) {}
}

/** Elements held in an array, as a run. */
export const arrayRun = <T>(items: readonly T[]): Run<T> =>
  new Run(items.length, (index) => items[index] as T);

/** Numbers a block holds (blocks are never copied: a list grows without garbage). */
const BLOCK = 4096;

/**
 * Numbers collected one by one (row ordinals, offsets, ids of shared objects), in blocks of
 * 32-bit (or 16-bit) integers that are never copied or resized.
 */
export class Numbers {
  readonly #blocks: (Int32Array | Uint16Array)[] = [];
  readonly #make: (size: number) => Int32Array | Uint16Array;
  #count = 0;
  constructor(bits: 16 | 32 = 32) {
    this.#make = bits === 16 ? (size) => new Uint16Array(size) : (size) => new Int32Array(size);
  }
  get length(): number {
    return this.#count;
  }
  push(value: number): void {
    const offset = this.#count % BLOCK;
    if (offset === 0) this.#blocks.push(this.#make(BLOCK));
    (this.#blocks[this.#blocks.length - 1] as Int32Array)[offset] = value;
    this.#count += 1;
  }
  at(index: number): number {
    return (this.#blocks[Math.floor(index / BLOCK)] as Int32Array)[index % BLOCK] as number;
  }
  last(): number | undefined {
    return this.#count === 0 ? undefined : this.at(this.#count - 1);
  }
  /**
   * The position of the last number ≤ `value` in a list kept ascending (-1 when none): a
   * binary search.
   */
  floor(value: number): number {
    let lo = 0;
    let hi = this.#count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid) <= value) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}

/**
 * Whether `key` is an array index as JavaScript has them (digits without a leading zero,
 * below 2^32 - 1): the keys an array's elements are read by, and those JSON.stringify writes
 * first in an object.
 */
export const isArrayIndex = (key: string | symbol): boolean => {
  if (typeof key !== 'string' || key.length === 0 || key.length > 10) return false;
  const first = key.charCodeAt(0);
  if (first < 48 || first > 57 || (first === 48 && key.length > 1)) return false;
  for (let i = 1; i < key.length; i += 1) {
    const c = key.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return key.length < 10 || Number(key) < 2 ** 32 - 1;
};

const readOnly = (): never => {
  throw new TypeError('a list of campaign rows is read-only');
};

/**
 * Plain elements and runs, in order, as one array: a plain array when there is no run
 * (then nothing changes for a project without campaigns).
 */
export const joinRuns = <T>(parts: readonly (T | Run<T>)[]): readonly T[] => {
  const isRun = (part: T | Run<T>): part is Run<T> => part instanceof Run;
  if (!parts.some(isRun)) return parts as readonly T[];
  const runs: Run<T>[] = [];
  let plain: T[] = [];
  for (const part of parts) {
    if (isRun(part)) {
      if (plain.length > 0) runs.push(arrayRun(plain));
      plain = [];
      runs.push(part);
    } else plain.push(part);
  }
  if (plain.length > 0) runs.push(arrayRun(plain));
  return lazyList(runs);
};

/** The runs as one array. */
export const lazyList = <T>(runs: readonly Run<T>[]): readonly T[] => {
  const parts = runs.filter((run) => run.length > 0);
  const starts = new Float64Array(parts.length + 1);
  for (let r = 0; r < parts.length; r += 1) {
    starts[r + 1] = (starts[r] as number) + (parts[r] as Run<T>).length;
  }
  const length = starts[parts.length] as number;
  // The run of the last read: reads in order find theirs at once.
  let last = 0;
  const at = (index: number): T => {
    let r = last;
    if (!(index >= (starts[r] as number) && index < (starts[r + 1] as number))) {
      let lo = 0;
      let hi = parts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((starts[mid] as number) <= index) lo = mid;
        else hi = mid - 1;
      }
      r = lo;
      last = r;
    }
    return (parts[r] as Run<T>).at(index - (starts[r] as number));
  };
  // The usual walks read by number: an array method reads each index as a string key (V8
  // makes and caches a string per index, garbage that outlives the young generation).
  function* values(): Generator<T> {
    for (let i = 0; i < length; i += 1) yield at(i);
  }
  type Visit<R> = (value: T, index: number, list: readonly T[]) => R;
  const walks = (list: readonly T[]): Partial<Record<PropertyKey, unknown>> => ({
    [Symbol.iterator]: values,
    values,
    forEach: (visit: Visit<unknown>, self?: unknown) => {
      for (let i = 0; i < length; i += 1) visit.call(self, at(i), i, list);
    },
    map: <R>(visit: Visit<R>, self?: unknown): R[] => {
      const out: R[] = [];
      for (let i = 0; i < length; i += 1) out.push(visit.call(self, at(i), i, list));
      return out;
    },
    filter: (visit: Visit<unknown>, self?: unknown): T[] => {
      const out: T[] = [];
      for (let i = 0; i < length; i += 1) {
        const value = at(i);
        if (visit.call(self, value, i, list)) out.push(value);
      }
      return out;
    },
    find: (visit: Visit<unknown>, self?: unknown): T | undefined => {
      for (let i = 0; i < length; i += 1) {
        const value = at(i);
        if (visit.call(self, value, i, list)) return value;
      }
      return undefined;
    },
    some: (visit: Visit<unknown>, self?: unknown): boolean => {
      for (let i = 0; i < length; i += 1) if (visit.call(self, at(i), i, list)) return true;
      return false;
    },
    every: (visit: Visit<unknown>, self?: unknown): boolean => {
      for (let i = 0; i < length; i += 1) if (!visit.call(self, at(i), i, list)) return false;
      return true;
    },
  });
  let own: Partial<Record<PropertyKey, unknown>> | undefined;
  const target: T[] = [];
  const list: readonly T[] = new Proxy(target, {
    get(t, key, receiver) {
      if (isArrayIndex(key)) {
        const index = Number(key as string);
        return index < length ? at(index) : undefined;
      }
      if (key === 'length') return length;
      own ??= walks(list);
      if (Object.hasOwn(own, key)) return own[key];
      return Reflect.get(t, key, receiver);
    },
    has(t, key) {
      if (isArrayIndex(key)) return Number(key as string) < length;
      return Reflect.has(t, key);
    },
    getOwnPropertyDescriptor(t, key) {
      if (isArrayIndex(key)) {
        const index = Number(key as string);
        return index < length
          ? { value: at(index), writable: false, enumerable: true, configurable: true }
          : undefined;
      }
      if (key === 'length')
        return { value: length, writable: true, enumerable: false, configurable: false };
      return Reflect.getOwnPropertyDescriptor(t, key);
    },
    ownKeys() {
      const keys: string[] = [];
      for (let i = 0; i < length; i += 1) keys.push(String(i));
      keys.push('length');
      return keys;
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
  });
  return list;
};
