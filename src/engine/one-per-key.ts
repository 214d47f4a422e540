import type { PlanItem } from '../plan/types.js';

/** FNV-1a of a key's UTF-16 code units. */
const hashOf = (key: string): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash | 0;
};

/**
 * One placement per key per run, whatever the list says (a plan file naming a key twice): the
 * key's first place, its last item. Without a repeat, the list itself (no copy). Looked for
 * in a sorted array of the keys' 32-bit hashes (4 bytes a call), not a map of every key to its
 * item, which held each campaign row's key, item and definition at once (some 20 MB at
 * 100,000 rows, the peak of `apply` before its first request); only when two hashes are
 * equal are the items whose hash repeats mapped by key.
 */
export const onePerKey = (items: readonly PlanItem[]): readonly PlanItem[] => {
  const hashes = new Int32Array(items.length);
  let i = 0;
  for (const item of items) hashes[i++] = hashOf(item.key);
  hashes.sort();
  const repeated = new Set<number>();
  for (let j = 1; j < hashes.length; j++)
    if (hashes[j] === hashes[j - 1]) repeated.add(hashes[j] as number);
  if (repeated.size === 0) return items;
  const byKey = new Map<string, PlanItem>();
  let sharing = 0;
  for (const item of items) {
    if (!repeated.has(hashOf(item.key))) continue;
    sharing++;
    byKey.set(item.key, item);
  }
  // Hashes shared by different keys only.
  if (sharing === byKey.size) return items;
  // A key comes twice: the list made again, each key at its first place with its last item.
  const placed = new Set<string>();
  const out: PlanItem[] = [];
  for (const item of items) {
    const hash = hashOf(item.key);
    if (!repeated.has(hash)) out.push(item);
    else if (!placed.has(item.key)) {
      placed.add(item.key);
      out.push(byKey.get(item.key) as PlanItem);
    }
  }
  return out;
};
