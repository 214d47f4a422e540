import type { SlotCount } from '../schedule/index.js';
import type { Sink } from './buckets.js';
import { formatSlot } from './keys.js';
import { ANY, MISSED_PER_CALL, type SlotSearch } from './slot-search.js';
import type { ClockAhead, MissedReport, PlanItem } from './types.js';

/**
 * The missed slots of a scheduled call: those the plan lists and counts, and the report apply
 * and run give of them (MissedSink).
 */

/** `slots` (the latest of their kind) as missed items; the first says when `more` exist. */
const addMissed = (
  slots: readonly Date[],
  item: (slot?: Date, reason?: string) => PlanItem,
  reason: (slot: Date) => string,
  add: (item: PlanItem) => void,
  earlier: string,
  more: boolean,
): void => {
  slots.forEach((slot, index) => {
    add(item(slot, `${reason(slot)}${index === 0 && more ? ` (${earlier})` : ''}`));
  });
};

/** Where the missed slots of the scheduled calls are counted, beyond those listed. */
export interface MissedSink {
  /** Slots the plan's view counts as missed without listing them. */
  unlisted(count: number, atLeast: boolean): void;
  report(report: MissedReport): void;
  /**
   * A campaign row that can no longer be reached before its `end` (at `end`), listed as
   * expired; `passed` when that end has passed: apply and run report it then, once.
   */
  expired(memory: string, end: number, passed: boolean, item: PlanItem): void;
  /**
   * Such a row, held (skipped) instead when its campaign is keyed by position and dialled
   * its number under another row's key: its person was called, it is not "never placed".
   * Asked too of a row not due yet (waiting, a next slot): it would be held once due.
   */
  held(item: PlanItem): PlanItem | undefined;
  /**
   * Whether the per-number limit held the number of `key` (numberKey) back at every instant
   * of [from, to) on the real clock (limit-held.ts): false without a limit.
   */
  limitHeld(key: string, from: number, to: number): boolean;
  /**
   * The latest slot of a call (of memory `memory`) that the state holds placed or unknown is
   * later than the clock (entry `key`): its earlier slots are superseded by it. Or, `reported`,
   * the memory's `reportedThrough` is (`key` is `<memory>@<slot>`): no slot up to it is placed.
   */
  clockAhead(memory: string, key: string, status: ClockAhead['status']): void;
}

/** One kind of missed slot of a call: deadline passed, or superseded by a later slot. */
export interface MissedKind {
  /**
   * Names `accept` among the searches of one share: what it admits besides the call's own
   * entries (which it reads at the slot alone) is the share's schedule, `now` and memory.
   */
  readonly tag: string;
  /** No slot up to this instant is of this kind. */
  readonly floor: number;
  /** The plan lists those after this instant (and counts those after the lower of it and `reportedThrough`). */
  readonly listFrom: number;
  readonly until: number;
  readonly accept: (slot: Date) => boolean;
  readonly reason: (slot: Date) => string;
  readonly earlier: string;
  /** When a slot of this kind could no longer be placed: the end of its life. */
  readonly end: (slot: Date) => number;
  /** The latest its life may end (its deadline, its window's close): cheaper than `end`. */
  readonly endBy: (slot: Date) => number;
  /** What ended it, said of a slot the per-number limit held back all its life. */
  readonly over: (slot: Date) => string;
}

/**
 * The per-number limit as one call's missed slots ask it (limit-held.ts): whether it held
 * the call's number back from `from` until `to`, and its words (`1/1h`). `tag` names the
 * number in the searches' keys: a campaign's rows share their searches, not their numbers.
 */
export interface Limited {
  readonly tag: string;
  readonly text: string;
  held(from: number, to: number): boolean;
}

/**
 * The missed slots of one call: the plan lists the latest of each kind (of the last 24
 * hours, reported or not) and counts those it does not list, and reports apply's: every
 * missed slot after `reportedThrough`, counted (up to COUNT_SCANS scans, from the earliest
 * on), the latest listed, and through which slot it looked. A call whose number is on a
 * do-not-call list (`suppressed`, asked only once a slot would be missed) misses none: its
 * slots are suppressed when due, never placed, so none is listed, counted or reported,
 * and the report only looks through them (a number taken off the list later does not
 * report them missed then). Nor is a slot the per-number limit held back all its life
 * missed (`limited`, asked only once a slot would be missed): it waited, as apply and run
 * said when it fell due, and no apply or run could have placed it; the plan lists the latest
 * of them (of the last 24 hours) as skipped, with the limit's words, and the report only
 * looks through them.
 */
export const planMissed = (
  search: SlotSearch,
  kinds: readonly MissedKind[],
  item: (slot?: Date, reason?: string) => PlanItem,
  add: Sink,
  memory: string,
  reportedMs: number,
  sink: MissedSink,
  suppressed: () => boolean,
  limited: () => Limited | undefined,
): void => {
  let count = 0;
  let atLeast = false;
  let through: number | undefined;
  const items: PlanItem[] = [];
  // Slots the per-number limit held back all their life, listed as skipped unless suppressed.
  const waited: PlanItem[] = [];
  // Whether the call's slots are suppressed, not missed: asked at its first missed slot.
  let quiet = false;
  for (const kind of kinds) {
    const { until, reason, earlier } = kind;
    let { tag, accept } = kind;
    const reportFrom = Math.max(kind.floor, reportedMs);
    let shown: readonly Date[] = quiet
      ? []
      : search.latest(tag, kind.listFrom, until, accept, MISSED_PER_CALL);
    const countFrom = Math.max(kind.floor, Math.min(kind.listFrom, reportedMs));
    let seen: SlotCount | undefined = quiet
      ? undefined
      : search.count(tag, countFrom, until, accept);
    const limit = shown.length > 0 || (seen?.count ?? 0) > 0 ? limited() : undefined;
    if (limit !== undefined) {
      const plain = accept;
      // Held at its slot at all, then all its life (whose end a later slot may set: asked
      // only of a slot not held until the latest its life may end).
      const held = (slot: Date) => {
        const from = slot.getTime();
        if (!limit.held(from, from)) return false;
        return limit.held(from, kind.endBy(slot)) || limit.held(from, kind.end(slot));
      };
      const heldTag = `${kind.tag} held ${limit.tag}`;
      const found = search.latest(
        heldTag,
        kind.listFrom,
        until,
        (slot) => plain(slot) && held(slot),
        MISSED_PER_CALL + 1,
      );
      const words = (slot: Date) =>
        `held back by the per-number limit ${limit.text} while it was due (waiting), not missed: ${kind.over(slot)}`;
      addMissed(
        found.slice(-MISSED_PER_CALL),
        item,
        words,
        (i) => waited.push(i),
        'earlier held slots not listed',
        found.length > MISSED_PER_CALL,
      );
      tag = `${kind.tag} unheld ${limit.tag}`;
      accept = (slot) => plain(slot) && !held(slot);
      shown = search.latest(tag, kind.listFrom, until, accept, MISSED_PER_CALL);
      seen = search.count(tag, countFrom, until, accept);
    }
    quiet ||= (shown.length > 0 || (seen?.count ?? 0) > 0) && suppressed();
    if (quiet || seen === undefined) {
      // Looked through: none of them is missed (nothing was listed or counted before).
      const last = search.latest(ANY, reportFrom, until, () => true, 1)[0]?.getTime();
      if (last !== undefined) through = Math.max(through ?? last, last);
      continue;
    }
    // A count cut short may not reach the slots listed: they are at least as many.
    const total = Math.max(seen.count, shown.length);
    addMissed(shown, item, reason, (i) => add('missed', i), earlier, total > shown.length);
    sink.unlisted(total - shown.length, seen.partial);
    // What apply reports: after the earlier kind's count stopped, nothing of a later kind.
    if (atLeast) continue;
    const counted = reportFrom === countFrom ? seen : search.count(tag, reportFrom, until, accept);
    const listed = search.latest(tag, reportFrom, counted.through, accept, MISSED_PER_CALL);
    addMissed(listed, item, reason, (i) => items.push(i), earlier, counted.count > listed.length);
    count += counted.count;
    atLeast = counted.partial;
    const last = search.latest(ANY, reportFrom, counted.through, () => true, 1)[0]?.getTime();
    if (last !== undefined) through = Math.max(through ?? last, last);
  }
  if (!quiet && waited.length > 0 && !suppressed()) for (const i of waited) add('skipped', i);
  if (through === undefined && count === 0) return;
  sink.report({
    memory,
    count,
    ...(atLeast && { atLeast: true }),
    items,
    ...(through === undefined ? {} : { through: formatSlot(new Date(through)) }),
  });
};
