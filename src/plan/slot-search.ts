import { countSlots, type SlotCount, scanSlots } from '../schedule/index.js';
import type { ScheduleSpec } from '../validate/model.js';
import type { OwnEntries, SlotShare } from './slot-share.js';

/**
 * The searches for a schedule's latest slots and its counts of slots that the plan's missed
 * and due slots are found with, shared by the calls of one schedule and memory (slot-share.ts).
 */

/** Slots whose deadline passed less than this long ago are listed as missed by plan… */
export const MISSED_LOOKBACK_MS = 24 * 3_600_000;
/** …the most recent ones, at most this many per call (and as many superseded ones). */
export const MISSED_PER_CALL = 10;

/** Scans one search for the latest slots may take: bounds a plan of dense schedules. */
const SCAN_BUDGET = 16;

/**
 * The latest (at most `n`) slots in (after, until] that `accept` admits, ascending. It looks
 * back in growing steps (1 min, 1 h, 24 h, the rest), and a scan cut at its cap is split in
 * halves, the later one first, so a dense schedule does not hide its most recent slots
 * (within SCAN_BUDGET scans; past it the list may be short, never wrong).
 */
export const latestSlots = (
  spec: ScheduleSpec,
  after: number,
  until: number,
  accept: (slot: Date) => boolean,
  n: number,
): Date[] => {
  let budget = SCAN_BUDGET;
  const collect = (lo: number, hi: number, want: number): Date[] => {
    if (want <= 0 || hi <= lo || budget <= 0) return [];
    budget -= 1;
    const scan = scanSlots(spec, new Date(lo), new Date(hi), { accept });
    if (!scan.truncated || hi - lo <= 1000 || budget <= 0) return scan.slots.slice(-want);
    const mid = lo + Math.floor((hi - lo) / 2);
    const upper = collect(mid, hi, want);
    return upper.length >= want ? upper : [...collect(lo, mid, want - upper.length), ...upper];
  };
  let found: Date[] = [];
  let hi = until;
  for (const back of [60_000, 3_600_000, MISSED_LOOKBACK_MS, Number.POSITIVE_INFINITY]) {
    const lo = Math.max(after, until - back);
    found = [...collect(lo, hi, n - found.length), ...found];
    hi = lo;
    if (found.length >= n || lo <= after) break;
  }
  return found;
};

/** A search whose accept admits every slot. */
export const ANY = 'any';
/** A search for the slots still placeable at `now` (inside the window, not closed). */
export const OPEN = 'open';
/** A search for the slots whose window closed before `now`. */
export const CLOSED = 'closed';
/** The searches whose accept reads none of the call's entries. */
const OWN_FREE: ReadonlySet<string> = new Set([ANY, OPEN, CLOSED]);

/**
 * latestSlots and countSlots of one call's schedule, through the share of its schedule and
 * memory (see slot-share.ts). `tag` names what `accept` admits: the share's schedule, `now`
 * and memory decide it, and, unless OWN_FREE, the call's own entries at the slot asked.
 */
export interface SlotSearch {
  latest(
    tag: string,
    after: number,
    until: number,
    accept: (slot: Date) => boolean,
    n: number,
  ): readonly Date[];
  count(tag: string, after: number, until: number, accept: (slot: Date) => boolean): SlotCount;
}

export const slotSearch = (spec: ScheduleSpec, share: SlotShare, own: OwnEntries): SlotSearch => {
  // The entries the search reads, in its key: undefined when it cannot be shared.
  const readable = (tag: string, after: number, until: number): string | undefined =>
    OWN_FREE.has(tag) ? '' : own.within(after, until);
  return {
    latest: (tag, after, until, accept, n) => {
      const entries = readable(tag, after, until);
      const compute = () => latestSlots(spec, after, until, accept, n);
      return entries === undefined
        ? compute()
        : share.memo(`latest ${tag} ${after} ${until} ${n} ${entries}`, compute);
    },
    count: (tag, after, until, accept) => {
      const entries = readable(tag, after, until);
      const compute = () => countSlots(spec, after, until, accept);
      return entries === undefined
        ? compute()
        : share.memo(`count ${tag} ${after} ${until} ${entries}`, compute);
    },
  };
};
