import type { ScheduleSpec } from '../validate/model.js';
import { isInWindow, parseWindow, type TimeWindow } from '../validate/parse.js';
import { type CompiledSchedule, compileSchedule } from './compile.js';
import { instantsOfWall, jumpAt, secondOfDay, type WallZone, wallOf, zoneOf } from './zone.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** The minute of the day a wall time (see zone.ts) shows. */
export const minuteOfWall = (w: number): number => Math.floor((((w % DAY) + DAY) % DAY) / MINUTE);

/**
 * True when some wall time in [lo, hi] that the cron names lies inside `window`: the search
 * jumps from each one outside it to the window's next opening.
 */
const namesInside = (
  nextWall: (w: number) => number | undefined,
  window: TimeWindow,
  lo: number,
  hi: number,
): boolean | undefined => {
  let cursor = lo - 1;
  let any = false;
  for (let step = 0; step < 1000; step++) {
    const w = nextWall(cursor);
    if (w === undefined || w > hi) return any ? false : undefined;
    if (isInWindow(window, minuteOfWall(w))) return true;
    any = true;
    const open = nextOpenWall(window, w);
    cursor = open > w ? open - 1 : w;
  }
  return false;
};

/**
 * The wall times slot `t` of a schedule stands for are inside `window`: its local time on an
 * ordinary day; the time `at` names; at the moment the clocks jump forward, the times of a
 * fixed-hour cron the jump skipped (and the one it lands on), any one of them inside. So
 * `30 2 * * *` in America/New_York with `02:00-03:00` is inside its window on 2026-03-08 (its
 * slot is 03:00 EDT, when that window is closed: it is missed), and `30 1 * * *` in
 * Europe/London with `02:00-03:00` never is, although its skipped 01:30 stands for 02:00.
 */
const namedInWindow = (
  schedule: CompiledSchedule | undefined,
  zone: WallZone,
  window: TimeWindow,
  t: number,
): boolean => {
  if (schedule?.atWall !== undefined && t === schedule.atMs) {
    return isInWindow(window, minuteOfWall(schedule.atWall));
  }
  const jump = schedule?.nextWall && !schedule.everyHour ? jumpAt(t, zone) : undefined;
  const named =
    jump && schedule?.nextWall
      ? namesInside(schedule.nextWall, window, jump.from, jump.to)
      : undefined;
  return named ?? isInWindow(window, Math.floor(secondOfDay(t, zone) / 60));
};

/**
 * True when `slot` lies inside the schedule's window, read in the schedule's time zone
 * (always true without a window). The window is the one `validate` checks, half-open to the
 * minute: "08:00-21:00" admits 08:00:00 through 20:59:59, so a 21:00 slot is skipped (the
 * cautious reading of "no calls after 9 p.m."). A start later than the end wraps past
 * midnight ("21:00-06:00" is a night window): a deliberate choice, allowed rather than
 * guessed at. An unreadable window or time zone admits nothing: in doubt, no call is placed.
 * It is the time the schedule names that is judged (see namedInWindow), as a scan `inWindow`
 * judges it: a time the clocks skip is not moved into the window by their jump.
 */
export const inWindow = (spec: ScheduleSpec, slot: Date): boolean => {
  if (spec.window === undefined) return true;
  const window = parseWindow(spec.window);
  const zone = zoneOf(spec.timezone);
  if (!window || !zone) return false;
  return namedInWindow(compileSchedule(spec), zone, window, slot.getTime());
};

/** True when the window admits no minute of the day (start and end equal). */
export const isEmptyWindow = (window: TimeWindow): boolean =>
  window.startMinute === window.endMinute;

/**
 * The earliest wall time at or after wall time `w` (see zone.ts) inside `window`: `w` itself
 * when the window is open at `w`, else the window's next opening. A slot is inside its window
 * when the time it names is (a time skipped in spring is not moved in by the jump), so every
 * wall time from `w` up to the one returned names a time outside it: a scan may jump over them.
 */
export const nextOpenWall = (window: TimeWindow, w: number): number => {
  const timeOfDay = ((w % DAY) + DAY) % DAY;
  if (isInWindow(window, Math.floor(timeOfDay / MINUTE))) return w;
  const open = w - timeOfDay + window.startMinute * MINUTE;
  return open <= w ? open + DAY : open;
};

/**
 * The clocks' forward jump at slot `slot` of `spec`, when its window is closed at that very
 * moment: the slot stands for a time the jump skipped (inside the window), but the window is
 * closed when the clocks land. Such a slot can never be placed: it is missed, and this says
 * why. Undefined for any other slot.
 */
export const skippedWindow = (
  spec: ScheduleSpec,
  slot: number,
): { readonly from: number; readonly to: number } | undefined => {
  if (spec.window === undefined) return undefined;
  const zone = zoneOf(spec.timezone);
  const jump = zone && jumpAt(slot, zone);
  return jump && windowClosesAt(spec, slot) === slot ? jump : undefined;
};

/**
 * The instant the schedule's window that holds instant `t` closes, read in the schedule's
 * zone: the first instant after `t` at which the local clock shows the window's end
 * (`21:00` for "08:00-21:00"; the next day's for a night window in its evening part). When
 * the end is skipped in spring, the window closes as the clocks jump past it; when it occurs
 * twice in autumn, at the first occurrence after `t`. `t` itself when `t` lies outside the
 * window (or the window or zone cannot be read: it admits nothing). Undefined without a
 * window, or for a window of the whole day ("00:00-24:00"), which never closes.
 */
export const windowClosesAt = (spec: ScheduleSpec, t: number): number | undefined => {
  if (spec.window === undefined) return undefined;
  const window = parseWindow(spec.window);
  const zone = zoneOf(spec.timezone);
  if (!window || !zone) return t;
  if (window.startMinute === 0 && window.endMinute === 1440) return undefined;
  if (!isInWindow(window, Math.floor(secondOfDay(t, zone) / 60))) return t;
  const wall = wallOf(t, zone);
  const end = Math.floor(wall / DAY) * DAY + window.endMinute * MINUTE;
  // In the evening part of a night window, its end is the next day's.
  const closeWall = end > wall ? end : end + DAY;
  const { instants } = instantsOfWall(closeWall, zone);
  return instants.find((i) => i > t) ?? instants.at(-1) ?? t;
};

/**
 * When a slot stops being placeable (`at`, epoch ms), and what ends it first: its deadline,
 * the close of the window it fell due in, or the schedule's `end`, from which no slot is
 * sent, however long its deadline.
 */
export interface SlotEnd {
  readonly at: number;
  readonly by: 'deadline' | 'window' | 'end';
}

/**
 * When slot `slot` (epoch ms) of `spec` stops being placeable: the earliest of its deadline,
 * the close of the window it fell due in and the schedule's `end` (on a tie, the earlier
 * named). plan, apply and status all read a slot's end here.
 */
export const slotEndsAt = (spec: ScheduleSpec, slot: number): SlotEnd => {
  const deadline = slot + spec.deadlineMs;
  const close = windowClosesAt(spec, slot);
  const endMs = compileSchedule(spec)?.endMs;
  let found: SlotEnd = { at: deadline, by: 'deadline' };
  if (close !== undefined && close < found.at) found = { at: close, by: 'window' };
  if (endMs !== undefined && endMs + 1 < found.at) found = { at: endMs + 1, by: 'end' };
  return found;
};
