import { countsTowardLimit, type PerNumberLimit } from '../screen/limit.js';
import { keyDigests } from '../screen/number.js';
import { rangTimes } from '../state/rang.js';
import type { Lockfile } from '../state/types.js';

/**
 * When the per-number limit held each number back, read from the lockfile alone: a placement
 * is held back at instant t when `count` of the entries that may have rung its number
 * (placed, unknown, claimed, and the calls `--replace` placed again, as screenDue counts
 * them) rang within (t − window, t]. So a slot that fell due without an entry, and whose
 * whole life (from its slot until its deadline passed, its window closed, or a later slot
 * superseded it) the limit held back, could not have been placed by any apply or run: it
 * waited, and is not missed. Pure; built on the first question, once per number.
 */
export interface LimitHolds {
  /**
   * Whether the limit held the number of `key` (numberKey: its digest, and the one an earlier
   * release recorded of it, or a digest alone) back at every instant of [from, to).
   */
  throughout(key: string, from: number, to: number): boolean;
}

/** Spans [start, end) when a number's calls fill the limit: ascending, disjoint. */
type Spans = readonly (readonly [number, number])[];

const spansOf = (rang: readonly number[], { count, windowMs }: PerNumberLimit): Spans => {
  const times = [...rang].sort((a, b) => a - b);
  const spans: [number, number][] = [];
  // `count` calls x[j] … x[j+count-1] are all within the window from the last of them until
  // the first leaves it.
  for (let j = 0; j + count - 1 < times.length; j++) {
    const start = times[j + count - 1] as number;
    const end = (times[j] as number) + windowMs;
    if (end <= start) continue;
    const last = spans.at(-1);
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else spans.push([start, end]);
  }
  return spans;
};

export const limitHolds = (lock: Lockfile, limit: PerNumberLimit): LimitHolds => {
  let rang: Map<string, number[]> | undefined;
  const spans = new Map<string, Spans>();
  const rangOf = (): Map<string, number[]> => {
    if (rang !== undefined) return rang;
    const found = new Map<string, number[]>();
    const add = (digest: string, at: string) => {
      const ms = Date.parse(at);
      if (Number.isNaN(ms)) return;
      const times = found.get(digest);
      if (times === undefined) found.set(digest, [ms]);
      else times.push(ms);
    };
    for (const entry of Object.values(lock.calls)) {
      for (const h of entry.history ?? []) if (h.number !== undefined) add(h.number, h.at);
      if (entry.number !== undefined && countsTowardLimit(entry.status))
        add(entry.number, entry.at);
    }
    // The calls whose entries `state.keep` let go rang too.
    for (const [digest, ms] of rangTimes(lock)) {
      const times = found.get(digest);
      if (times === undefined) found.set(digest, [ms]);
      else times.push(ms);
    }
    rang = found;
    return found;
  };
  return {
    throughout: (key, from, to) => {
      let of = spans.get(key);
      if (of === undefined) {
        of = spansOf(
          keyDigests(key).flatMap((digest) => rangOf().get(digest) ?? []),
          limit,
        );
        spans.set(key, of);
      }
      // The last span starting at or before `from`.
      let lo = 0;
      let hi = of.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if ((of[mid] as readonly [number, number])[0] <= from) lo = mid + 1;
        else hi = mid;
      }
      const span = of[lo - 1];
      return span !== undefined && span[1] >= to;
    },
  };
};
