/** "Did you mean" for misspelt keys: the closest known key, if it is close enough. */

/** Levenshtein distance: the fewest inserted, deleted or changed characters. */
export const distance = (a: string, b: string): number => {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
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
