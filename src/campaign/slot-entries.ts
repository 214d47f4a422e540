import { rowEntryAt } from '../plan/twin-attempts.js';
import type { TargetTwins } from '../plan/twins.js';
import type { LockEntry, Lockfile } from '../state/types.js';

/** One slot of a campaign row placed at slots: its text as keys write it, and its entry. */
export interface SlotEntry {
  readonly slot: string;
  readonly entry: LockEntry;
}

/**
 * The entries of campaign rows placed at slots (a campaign with cron/at: keys
 * `<target>/<call>/<row id>@<slot>`), by row key (`<target>/<call>/<row id>`), oldest slot
 * first (pure). One pass over the state: a campaign of many rows never reads every key once
 * per row. Every target's rows are there, those of a target no longer defined too.
 */
export const slotEntriesByRow = (
  calls: Readonly<Record<string, LockEntry>>,
): Map<string, SlotEntry[]> => {
  const out = new Map<string, SlotEntry[]>();
  for (const [key, entry] of Object.entries(calls)) {
    const at = key.lastIndexOf('@');
    const slash = key.indexOf('/');
    if (at === -1 || slash === -1 || at < slash) continue;
    const rowKey = key.slice(0, at);
    const list = out.get(rowKey) ?? [];
    list.push({ slot: key.slice(at + 1), entry });
    out.set(rowKey, list);
  }
  // Slots are written alike (UTC, seconds, `Z`): their text sorts as their instants do.
  for (const list of out.values()) list.sort(bySlot);
  return out;
};

const bySlot = (a: SlotEntry, b: SlotEntry): number =>
  a.slot < b.slot ? -1 : a.slot > b.slot ? 1 : 0;

/**
 * The slots of row `rowKey` on `target`, oldest first, read across its target's twins
 * (plan/twins.ts) as the plan reads them: a target renamed (`gw:` → `production:`, the same
 * gateway) is the same gateway under a new name, so the slot `gw/camp/r1@S` placed before the
 * rename is the slot S of `production/camp/r1`. A slot held under both names is one slot,
 * read as an attempt of a row that redials is (plan/twin-attempts.ts rowEntryAt): its entry
 * that may have rung under the row's own key, else under a twin's, else a refused request.
 * `slotted`: slotEntriesByRow of the same state; a row's twins are looked up in it by key,
 * never by reading the state again. Pure.
 */
export const rowSlots = (
  slotted: ReadonlyMap<string, readonly SlotEntry[]>,
  calls: Lockfile['calls'],
  rowKey: string,
  target: string,
  twins: TargetTwins,
): LockEntry[] => {
  const own = slotted.get(rowKey) ?? [];
  const of = twins.any && rowKey.startsWith(`${target}/`) ? twins.of(target) : [];
  const rest = rowKey.slice(target.length);
  const theirs = of.flatMap((twin) => slotted.get(`${twin.target}${rest}`) ?? []);
  if (theirs.length === 0) return own.map((s) => s.entry);
  const slots = [...new Set([...own, ...theirs].map((s) => s.slot))].sort();
  const out: LockEntry[] = [];
  for (const slot of slots) {
    const found = rowEntryAt(calls, `${rowKey}@${slot}`, target, of);
    if (found !== undefined) out.push(found.entry);
  }
  return out;
};
