import type { ScheduleSpec } from '../validate/model.js';
import { isInWindow, parseWindow } from '../validate/parse.js';
import { type CompiledSchedule, compileSchedule } from './compile.js';
import { isEmptyWindow, minuteOfWall, nextOpenWall } from './window.js';
import { instantsOfWall, wallOf } from './zone.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** At most this many slots come out of one scan; a denser schedule is cut here. */
export const MAX_SLOTS = 1000;
/**
 * At most this many matching wall times are examined per scan: bounds the work when an
 * `accept` filter or a skipped spring hour discards most of them (per-second schedules).
 * A scan `inWindow` jumps over each stretch of hours its window is closed in one step, so a
 * dense schedule spends its steps on slots inside the window, not on the hours between.
 */
export const MAX_STEPS = 5000;
/**
 * How far ahead `nextSlots` looks by default: eight years, as far as a cron's own search
 * goes (src/schedule/cron.ts), so that a 29 February slot is always found.
 */
export const DEFAULT_HORIZON_MS = 8 * 366 * DAY;

export interface SlotScan {
  /** Ascending, distinct, each in (after, until] and within start/end. */
  readonly slots: readonly Date[];
  /**
   * True when the scan stopped at a cap: more slots may exist later in the range. A scan
   * cut short is never "no slot": it says nothing of the range past where it stopped.
   */
  readonly truncated: boolean;
  /**
   * A scan stopped by MAX_STEPS with fewer than `limit` slots: every slot up to this instant
   * is in `slots` (none is beyond what was examined). The range after it is not looked at.
   */
  readonly through?: Date;
}

export interface ScanOptions {
  /** Keep at most this many slots (default MAX_SLOTS, never more). */
  readonly limit?: number;
  /** Only slots for which this holds are kept (and counted toward `limit`). */
  readonly accept?: (slot: Date) => boolean;
  /**
   * Only slots inside the schedule's window are kept (`accept` is asked only of those): the
   * scan jumps to the window's next opening instead of stepping through the closed hours.
   */
  readonly inWindow?: boolean;
}

/**
 * How one matching wall time becomes slots (the daylight-saving rule). A schedule whose hour
 * field admits every hour (`0 * * * *`, `15,45 * * * *`) counts elapsed time, as cron (Vixie,
 * cronie) runs its "wildcard" jobs; one with fixed hours names times of day, as cron runs its
 * "fixed-time" jobs:
 * - a wall time that occurs twice (autumn) is ONE slot of a fixed-hour schedule, its first
 *   occurrence; of an every-hour one, both occurrences are slots (the repeated hour is a real
 *   hour that elapses);
 * - a wall time skipped in spring is not lost by a fixed-hour schedule: it becomes one slot at
 *   the moment the clocks jump (03:00 local for `30 2 * * *` in Europe/Berlin or
 *   America/New_York), merged with any other slot at that instant; of an every-hour one it is
 *   no slot (the skipped hour never elapses; moved to the jump, `59 * * * *` would ring at
 *   01:59 and again at 03:00, a minute later).
 * The rule depends only on the wall time, never on the range scanned, so a slot's identity
 * (its UTC instant) is the same whichever window finds it.
 */
const instantsFor = (w: number, schedule: CompiledSchedule): readonly number[] => {
  const { instants, gap } = instantsOfWall(w, schedule.zone);
  if (!schedule.everyHour) return instants.slice(0, 1);
  return gap ? [] : instants;
};

/** Largest backward jump of the wall clock within the three hours before `t`. */
const fallBackBefore = (t: number, schedule: CompiledSchedule): number =>
  Math.max(0, schedule.zone.offset(t - 3 * HOUR) - schedule.zone.offset(t));

const scanCron = (
  schedule: CompiledSchedule,
  nextWall: (w: number) => number | undefined,
  after: number,
  until: number,
  limit: number,
  accept: (t: number, w: number) => boolean,
  openFrom?: (w: number) => number,
): { found: number[]; truncated: boolean; through?: number } => {
  const { zone } = schedule;
  // Wall times whose instants can fall in (after, until]; offsets change at most once in 3 h.
  const wallLo = after + Math.min(zone.offset(after), zone.offset(after + 3 * HOUR));
  const wallHi = until + Math.max(zone.offset(until), zone.offset(until - 3 * HOUR));
  const found = new Set<number>();
  let cursor = wallLo;
  let stopWall = Number.POSITIVE_INFINITY;
  for (let step = 0; ; step++) {
    if (step >= MAX_STEPS) {
      // Every wall time up to the cursor was examined (or jumped over): the later ones stand
      // for instants at or after the cursor's first one.
      const through =
        (instantsOfWall(cursor, zone).instants[0] ?? cursor - zone.offset(cursor)) - 1;
      return { found: [...found], truncated: true, through };
    }
    const w = nextWall(cursor);
    if (w === undefined || w > wallHi) return { found: [...found], truncated: false };
    if (w > stopWall) return { found: [...found], truncated: true };
    for (const t of instantsFor(w, schedule)) {
      if (t > after && t <= until && accept(t, w)) found.add(t);
    }
    // Past a wall time outside the window, on to its next opening: the wall times between
    // name times outside the window only.
    const open = openFrom === undefined ? w : openFrom(w);
    cursor = open > w ? open - 1 : w;
    if (found.size >= limit && stopWall === Number.POSITIVE_INFINITY) {
      // Enough slots; but around an autumn change a later wall time can still map to an
      // earlier instant, so go on until no later wall time can undercut the limit-th slot.
      // (Slots found meanwhile only lower that slot: the first bound stays safe.)
      const kth = [...found].sort((a, b) => a - b)[limit - 1] ?? until;
      stopWall = wallOf(kth, zone) + fallBackBefore(kth, schedule);
    }
  }
};

/**
 * The slots of `spec` in (after, until], ascending, bounded by start/end, at most `limit`.
 * A schedule that cannot be read yields no slots (validation reports why); no call is placed
 * for a schedule callops does not understand.
 */
export const scanSlots = (
  spec: ScheduleSpec,
  after: Date,
  until: Date,
  options: ScanOptions = {},
): SlotScan => {
  const limit = Math.max(0, Math.min(options.limit ?? MAX_SLOTS, MAX_SLOTS));
  const schedule = compileSchedule(spec);
  if (!schedule || limit === 0) return { slots: [], truncated: false };
  const accept = options.accept;
  const window =
    options.inWindow && spec.window !== undefined ? parseWindow(spec.window) : undefined;
  // An unreadable or empty window admits nothing: in doubt, no call is placed.
  if (options.inWindow && spec.window !== undefined && (!window || isEmptyWindow(window)))
    return { slots: [], truncated: false };
  // A slot is inside the window when the time it names is (wall time `w`): a time skipped in
  // spring is judged as 02:30, not as the 03:00 the clocks jump to (window.ts, inWindow).
  const inside = (w: number) => window === undefined || isInWindow(window, minuteOfWall(w));
  const acceptMs = accept
    ? (t: number, w: number) => inside(w) && accept(new Date(t))
    : (_t: number, w: number) => inside(w);
  const openFrom = window === undefined ? undefined : (w: number) => nextOpenWall(window, w);
  const lo = Math.max(after.getTime(), (schedule.startMs ?? Number.NEGATIVE_INFINITY) - 1);
  const hi = Math.min(until.getTime(), schedule.endMs ?? Number.POSITIVE_INFINITY);
  if (!(hi > lo)) return { slots: [], truncated: false };
  if (schedule.atMs !== undefined) {
    const t = schedule.atMs;
    const hit = t > lo && t <= hi && acceptMs(t, schedule.atWall ?? wallOf(t, schedule.zone));
    return { slots: hit ? [new Date(t)] : [], truncated: false };
  }
  if (!schedule.nextWall) return { slots: [], truncated: false };
  const scan = scanCron(schedule, schedule.nextWall, lo, hi, limit, acceptMs, openFrom);
  const sorted = scan.found.sort((a, b) => a - b);
  const through = scan.through === undefined || sorted.length >= limit ? undefined : scan.through;
  return {
    slots: sorted.slice(0, limit).map((t) => new Date(t)),
    truncated: scan.truncated || sorted.length > limit,
    ...(through === undefined ? {} : { through: new Date(through) }),
  };
};

/** Slots with after < slot <= until (at most MAX_SLOTS: the earliest ones). */
export const slotsBetween = (spec: ScheduleSpec, after: Date, until: Date): Date[] => [
  ...scanSlots(spec, after, until).slots,
];

/**
 * At most this many scans one search for the next slots takes (each of at most MAX_STEPS
 * wall times). A search `inWindow` takes a step per closed stretch of its window (about one a
 * day) and one per slot, so it reaches its horizon in one or two; one with another `accept`
 * goes on scan after scan from where the previous one stopped.
 */
export const NEXT_SCANS = 20;

export interface NextOptions {
  /** How far ahead to look, from the schedule's `start` when later (default DEFAULT_HORIZON_MS). */
  readonly horizonMs?: number;
  readonly accept?: (slot: Date) => boolean;
  /** Only slots inside the schedule's window (see ScanOptions). */
  readonly inWindow?: boolean;
}

/**
 * Where a search for the slots after `after` stops: `horizonMs` past the first instant the
 * schedule can have a slot (its `start`, when that is later), so that a schedule starting
 * years ahead (or a `--now` years back) still shows its first slots; never before an `at`,
 * which is one instant and needs no search, however far ahead it lies.
 */
export const searchEnd = (
  spec: ScheduleSpec,
  after: Date,
  horizonMs = DEFAULT_HORIZON_MS,
): Date => {
  const schedule = compileSchedule(spec);
  const from = Math.max(after.getTime(), schedule?.startMs ?? Number.NEGATIVE_INFINITY);
  const atMs = schedule?.atMs ?? Number.NEGATIVE_INFINITY;
  return new Date(Math.max(from + horizonMs, atMs));
};

/**
 * The next `n` slots strictly after `after`, looking at most `horizonMs` ahead (searchEnd). A scan
 * stopped by its steps is followed by the next one from where it stopped (up to NEXT_SCANS):
 * a dense schedule whose slots are mostly refused is not taken for one without slots.
 * `truncated` says the search stopped before the horizon: later slots may exist.
 */
export const scanNextSlots = (
  spec: ScheduleSpec,
  after: Date,
  n: number,
  options: NextOptions = {},
): SlotScan => {
  const until = searchEnd(spec, after, options.horizonMs);
  const slots: Date[] = [];
  let lo = after.getTime();
  for (let scans = 0; scans < NEXT_SCANS; scans++) {
    const scan = scanSlots(spec, new Date(lo), until, {
      limit: n - slots.length,
      ...(options.accept ? { accept: options.accept } : {}),
      ...(options.inWindow ? { inWindow: true } : {}),
    });
    const through = scan.through?.getTime();
    if (through === undefined || through <= lo) {
      return { slots: [...slots, ...scan.slots], truncated: scan.truncated };
    }
    // Slots past `through` are found again by the next scan.
    for (const item of scan.slots.filter((slot) => slot.getTime() <= through)) slots.push(item);
    lo = through;
  }
  return { slots, truncated: true };
};

/** The next `n` slots strictly after `after` (scanNextSlots' slots). */
export const nextSlots = (
  spec: ScheduleSpec,
  after: Date,
  n: number,
  options: NextOptions = {},
): Date[] => [...scanNextSlots(spec, after, n, options).slots];

/**
 * At most this many scans one count takes (each of at most MAX_SLOTS slots and MAX_STEPS
 * wall times): a count stops after some 10,000 slots, so a dense schedule missed for a long
 * time cannot hang a command.
 */
export const COUNT_SCANS = 10;

export interface SlotCount {
  /** How many slots in (after, through] `accept` admits. */
  readonly count: number;
  /** Up to where they were counted: `until`, or earlier when the count stopped at its bound. */
  readonly through: number;
  /** True when the count stopped before `until`: more slots may follow `through`. */
  readonly partial: boolean;
}

/**
 * How many slots of `spec` in (after, until] `accept` admits, counted from the earliest on
 * without keeping them: scans of at most MAX_SLOTS each, a scan cut short by its steps
 * (most wall times discarded) tried again on half its range. Past `scans` scans the count
 * stops at a slot: every slot up to `through` is counted, none after it.
 */
export const countSlots = (
  spec: ScheduleSpec,
  after: number,
  until: number,
  accept?: (slot: Date) => boolean,
  scans = COUNT_SCANS,
): SlotCount => {
  let count = 0;
  let lo = after;
  let span = until - after;
  let left = scans;
  const options = accept ? { accept } : {};
  while (lo < until) {
    if (left <= 0) return { count, through: lo, partial: true };
    left -= 1;
    const hi = Math.min(until, lo + span);
    const scan = scanSlots(spec, new Date(lo), new Date(hi), options);
    const last = scan.slots.at(-1);
    if (!scan.truncated) {
      count += scan.slots.length;
      lo = hi;
      span *= 2;
    } else if (scan.slots.length === MAX_SLOTS && last !== undefined) {
      count += MAX_SLOTS;
      lo = last.getTime();
    } else {
      span = Math.max(1000, Math.floor((hi - lo) / 2));
    }
  }
  return { count, through: until, partial: false };
};
