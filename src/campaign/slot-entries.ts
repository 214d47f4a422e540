import type { LockEntry } from '../state/types.js';

/**
 * The entries of campaign rows placed at slots (a campaign with cron/at: keys
 * `<target>/<call>/<row id>@<slot>`), by row key (`<target>/<call>/<row id>`), oldest slot
 * first (pure). One pass over the state: a campaign of many rows never reads every key once
 * per row.
 */
export const slotEntriesByRow = (
  calls: Readonly<Record<string, LockEntry>>,
): Map<string, LockEntry[]> => {
  const bySlot = new Map<string, [string, LockEntry][]>();
  for (const [key, entry] of Object.entries(calls)) {
    const at = key.lastIndexOf('@');
    const slash = key.indexOf('/');
    if (at === -1 || slash === -1 || at < slash) continue;
    const rowKey = key.slice(0, at);
    const list = bySlot.get(rowKey) ?? [];
    list.push([key.slice(at + 1), entry]);
    bySlot.set(rowKey, list);
  }
  const out = new Map<string, LockEntry[]>();
  for (const [rowKey, list] of bySlot) {
    // Slots are written alike (UTC, seconds, `Z`): their text sorts as their instants do.
    list.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    out.set(
      rowKey,
      list.map(([, entry]) => entry),
    );
  }
  return out;
};
