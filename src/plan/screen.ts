import {
  countsTowardLimit,
  forgottenReason,
  limitedReason,
  type PerNumberLimit,
} from '../screen/limit.js';
import type { Listed } from '../screen/list.js';
import { suppressedReason } from '../screen/list.js';
import { keyDigests, numberKey } from '../screen/number.js';
import { type RangGaps, rangGaps, rangTimes } from '../state/rang.js';
import type { Lockfile } from '../state/types.js';
import { amendItem } from './item.js';
import { PlanList } from './rows.js';
import type { PlanItem } from './types.js';

/** Do-not-call lists and per-number limits, as the plan applies them to due placements. */
export interface PlanScreen {
  /**
   * The normalised phone number a placement dials (its resolved destination), or undefined
   * when it dials no phone number. The one place a placement's destination is looked up.
   */
  readonly numberOf: (item: PlanItem) => string | undefined;
  /** Where a normalised number is listed on a do-not-call list, if it is. */
  readonly listed: (number: string) => Listed | undefined;
  readonly perNumber?: PerNumberLimit;
  /**
   * The instant the per-number limit is judged at (default: the plan's `now`). The calls it
   * counts rang on the real clock, and each claim is judged on it just before its request:
   * a plan at `--now` judges the limit on the real clock too, as the apply it previews.
   */
  readonly limitAt?: Date;
}

export interface Screened {
  readonly due: readonly PlanItem[];
  readonly suppressed: readonly PlanItem[];
  /** Held back by the per-number limit: still due, later. */
  readonly waiting: readonly PlanItem[];
  /**
   * The earliest instant (ms, on the limit's clock) an earlier call to the number of a
   * waiting placement leaves the window, letting it through: set when one waits.
   */
  readonly frees?: number;
}

/**
 * Due placements through the do-not-call lists and the per-number limit (pure), in the
 * order given (earliest slot first): a listed number's placement is suppressed, with the
 * list's reason and file:line; of the placements to one number, those beyond the limit
 * (counting the lockfile's entries that may have rung within the window before `limitAt`, and
 * the placements due before them in this plan) wait, until the instant `frees` says.
 */
export const screenDue = (
  due: readonly PlanItem[],
  screen: PlanScreen,
  lock: Lockfile,
  now: Date,
): Screened => {
  // A campaign's rows kept as numbers (rows.ts), in the order given.
  const out = {
    due: new PlanList(false),
    suppressed: new PlanList(false),
    waiting: new PlanList(false),
  };
  const limit = screen.perNumber;
  const at = (screen.limitAt ?? now).getTime();
  // When each call counted rang, per digest: those within the window before `at`.
  let taken: Map<string, number[]> | undefined;
  // Built once, on the first placement to a number: the lockfile's entries per digest.
  const takenOf = (digest: string, windowMs: number): number[] => {
    if (taken === undefined) {
      taken = new Map();
      // A due key's own entry is the placement itself, unless it is being replaced.
      const dueKeys = new Set(due.filter((i) => i.replaces === undefined).map((i) => i.key));
      const since = at - windowMs;
      const rang = (number: string, ms: number) => {
        if (!(ms > since)) return;
        const times = taken?.get(number);
        if (times === undefined) taken?.set(number, [ms]);
        else times.push(ms);
      };
      for (const [key, entry] of Object.entries(lock.calls)) {
        // A call `--replace` placed again rang too, a call of its own: its history keeps
        // the number it dialled, counted for every placement (its own key's as well).
        for (const h of entry.history ?? []) {
          if (h.number !== undefined) rang(h.number, Date.parse(h.at));
        }
        if (entry.number === undefined || !countsTowardLimit(entry.status)) continue;
        if (dueKeys.has(key)) continue;
        // An entry whose time cannot be read counts, as ringing now.
        const ms = Date.parse(entry.at);
        rang(entry.number, Number.isNaN(ms) ? at : ms);
      }
      // And the calls whose entries `state.keep` let go, as the memory keeps them.
      for (const [number, ms] of rangTimes(lock)) rang(number, ms);
    }
    let times = taken.get(digest);
    if (times === undefined) {
      times = [];
      taken.set(digest, times);
    }
    return times;
  };
  let frees: number | undefined;
  // The numbers held back already: nothing is added to their calls after (all wait).
  const full = new Set<string>();
  // Where the memory of calls let go stops being whole: a window reaching back before it
  // cannot count what it no longer holds, and holds the placement rather than count none.
  let gaps: RangGaps | undefined;
  const gapOf = (digests: readonly string[], windowMs: number): number | undefined => {
    gaps ??= rangGaps(lock);
    let gap = gaps.forgotten;
    for (const d of digests) {
      const cut = gaps.cut.get(d);
      if (cut !== undefined && (gap === undefined || cut > gap)) gap = cut;
    }
    return gap !== undefined && gap > at - windowMs ? gap : undefined;
  };
  for (const item of due) {
    const number = screen.numberOf(item);
    if (number === undefined) {
      out.due.push(item);
      continue;
    }
    const listed = screen.listed(number);
    if (listed !== undefined) {
      out.suppressed.push(amendItem(item, { reason: suppressedReason(listed) }));
      continue;
    }
    if (limit !== undefined) {
      // Its digest, and the one an earlier release recorded of it as written (numberKey):
      // this plan's placements are taken under the first.
      const [digest = '', ...earlier] = keyDigests(numberKey(number));
      const times = takenOf(digest, limit.windowMs);
      const counted =
        earlier.length === 0
          ? times
          : [...times, ...earlier.flatMap((d) => takenOf(d, limit.windowMs))];
      if (counted.length >= limit.count) {
        out.waiting.push(amendItem(item, { reason: limitedReason(limit) }));
        if (!full.has(digest)) {
          full.add(digest);
          // Below the limit once all but `count - 1` of its calls left the window.
          const sorted = [...counted].sort((a, b) => a - b);
          const leaves = (sorted[sorted.length - limit.count] as number) + limit.windowMs;
          frees = frees === undefined ? leaves : Math.min(frees, leaves);
        }
        continue;
      }
      const gap = gapOf([digest, ...earlier], limit.windowMs);
      if (gap !== undefined) {
        out.waiting.push(amendItem(item, { reason: forgottenReason(limit, gap) }));
        const leaves = gap + limit.windowMs;
        frees = frees === undefined ? leaves : Math.min(frees, leaves);
        continue;
      }
      // Placed by this plan: it rings now, as the claim before its request counts it.
      times.push(at);
    }
    out.due.push(item);
  }
  return {
    due: out.due.items(),
    suppressed: out.suppressed.items(),
    waiting: out.waiting.items(),
    ...(frees !== undefined && { frees }),
  };
};

/**
 * Upcoming placements through the do-not-call lists (pure): a listed number's placement is
 * listed as suppressed now, though it is not due yet (a campaign row outside its hours, a
 * later slot), so that the plan never shows as waiting a call that will not be made. The
 * per-number limit is judged only when a placement falls due.
 */
export const screenUpcoming = (
  upcoming: readonly PlanItem[],
  screen: PlanScreen,
): { readonly upcoming: readonly PlanItem[]; readonly suppressed: readonly PlanItem[] } => {
  const out = { upcoming: new PlanList(false), suppressed: new PlanList(false) };
  for (const item of upcoming) {
    const number = screen.numberOf(item);
    const listed = number === undefined ? undefined : screen.listed(number);
    if (listed === undefined) out.upcoming.push(item);
    else out.suppressed.push(amendItem(item, { reason: suppressedReason(listed) }));
  }
  return { upcoming: out.upcoming.items(), suppressed: out.suppressed.items() };
};
