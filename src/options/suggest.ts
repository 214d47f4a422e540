/** "Did you mean" for misspelt keys: the closest known key, if it is close enough. */

/**
 * Optimal string alignment distance: the fewest inserted, deleted or changed characters, or
 * swaps of two adjacent characters (`form` for `from` is one edit, as a typist makes it, not
 * two), no part of the text edited twice.
 */
export const distance = (a: string, b: string): number => {
  // Three rows of the table: the one before the previous is what a swap goes back to.
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      row.push(d);
    }
    before = prev;
    prev = row;
  }
  return prev[b.length] ?? 0;
};

/** Case-insensitive edit distance, allowing about one edit per three characters (1 to 3). */
export const suggestKey = (key: string, known: Iterable<string>): string | undefined => {
  const lower = key.toLowerCase();
  const limit = Math.min(3, Math.max(1, Math.floor(key.length / 3)));
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    if (name === key) continue;
    const d = distance(lower, name.toLowerCase());
    if (d <= limit && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
};
