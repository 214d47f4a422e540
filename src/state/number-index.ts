/**
 * The file store's per-number index: number digest → the keys whose entry (or claim) may have
 * rung that number, each with the epoch ms it did. What per-number limits count and what a
 * campaign row's claim looks up. Most numbers have one key: it is held as one small object,
 * and a Map only for a number of several keys, so that a campaign of 100,000 rows costs
 * 100,000 small objects rather than 100,000 maps.
 */
export type NumberIndex = Map<string, NumberCalls>;

type NumberCalls = { readonly key: string; readonly atMs: number } | Map<string, number>;

/** A new, empty index. */
export const numberIndex = (): NumberIndex => new Map();

/** The time of `key`'s call of `number`, when the index holds one. */
export const callTime = (index: NumberIndex, number: string, key: string): number | undefined => {
  const calls = index.get(number);
  if (calls === undefined) return undefined;
  if (calls instanceof Map) return calls.get(key);
  return calls.key === key ? calls.atMs : undefined;
};

/** `key` called `number` at `atMs` (its earlier time replaced). */
export const setCall = (index: NumberIndex, number: string, key: string, atMs: number): void => {
  const calls = index.get(number);
  if (calls === undefined || (!(calls instanceof Map) && calls.key === key)) {
    index.set(number, { key, atMs });
  } else if (calls instanceof Map) {
    calls.set(key, atMs);
  } else {
    index.set(
      number,
      new Map([
        [calls.key, calls.atMs],
        [key, atMs],
      ]),
    );
  }
};

/** `key` no longer counts as a call of `number`. */
export const deleteCall = (index: NumberIndex, number: string, key: string): void => {
  const calls = index.get(number);
  if (calls === undefined) return;
  if (calls instanceof Map) {
    calls.delete(key);
    if (calls.size === 0) index.delete(number);
  } else if (calls.key === key) {
    index.delete(number);
  }
};

/** The calls of `number`: each key with its time, in the order they came in. */
export const callsOf = (
  index: NumberIndex,
  number: string,
): Iterable<readonly [string, number]> => {
  const calls = index.get(number);
  if (calls === undefined) return [];
  return calls instanceof Map ? calls : [[calls.key, calls.atMs]];
};
