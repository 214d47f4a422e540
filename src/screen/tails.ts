/**
 * Which keys of a map of digit strings end in given digits, in O(log n) per question: the
 * keys reversed and sorted, so that the keys ending in `d` are the run of reversed keys that
 * begin with `d` reversed, found by binary search. Made on first use for each map (a list of
 * a million numbers sorts in well under a second) and kept as long as the map is.
 */
const made = new WeakMap<ReadonlyMap<string, unknown>, readonly string[]>();

const reversed = (digits: string): string => {
  let out = '';
  for (let i = digits.length - 1; i >= 0; i--) out += digits[i];
  return out;
};

const sortedReversed = (map: ReadonlyMap<string, unknown>): readonly string[] => {
  let sorted = made.get(map);
  if (sorted === undefined) {
    sorted = [...map.keys()].map(reversed).sort();
    made.set(map, sorted);
  }
  return sorted;
};

/** The first key (in the order of the reversed keys) longer than `digits` that ends in them. */
export const longerEndingIn = (
  map: ReadonlyMap<string, unknown>,
  digits: string,
): string | undefined => {
  if (map.size === 0) return undefined;
  const sorted = sortedReversed(map);
  // The keys beginning with `wanted` follow it (or `wanted` itself, a key of the same length).
  const wanted = reversed(digits);
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < wanted) low = middle + 1;
    else high = middle;
  }
  for (let i = low; i < low + 2 && i < sorted.length; i++) {
    const key = sorted[i] as string;
    if (!key.startsWith(wanted)) return undefined;
    if (key.length > wanted.length) return reversed(key);
  }
  return undefined;
};
