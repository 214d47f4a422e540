import type { ScheduleSpec } from '../validate/model.js';
import { isInWindow, parseWindow, type TimeWindow } from '../validate/parse.js';
import {
  instantOfWall,
  instantsOfWall,
  secondOfDay,
  transitionBetween,
  type WallZone,
  wallOf,
  zoneOf,
} from './zone.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

/**
 * True when `slot` lies inside the schedule's window, read in the schedule's time zone
 * (always true without a window). The window is the one `validate` checks, half-open to the
 * minute: "08:00-21:00" admits 08:00:00 through 20:59:59, so a 21:00 slot is skipped (the
 * cautious reading of "no calls after 9 p.m."). A start later than the end wraps past
 * midnight ("21:00-06:00" is a night window): a deliberate choice, allowed rather than
 * guessed at. An unreadable window or time zone admits nothing: in doubt, no call is placed.
 */
export const inWindow = (spec: ScheduleSpec, slot: Date): boolean => {
  if (spec.window === undefined) return true;
  const window = parseWindow(spec.window);
  const zone = zoneOf(spec.timezone);
  if (!window || !zone) return false;
  return isInWindow(window, Math.floor(secondOfDay(slot.getTime(), zone) / 60));
};

/** True when the window admits no minute of the day (start and end equal). */
export const isEmptyWindow = (window: TimeWindow): boolean =>
  window.startMinute === window.endMinute;

/**
 * The earliest wall time at or after wall time `w` (see zone.ts) whose instant can lie inside
 * `window`: `w` itself when the window is open at `w`, else the window's next opening. An
 * instant's local time is its wall time, except in a spring gap: a skipped wall time stands
 * for the instant the clocks jump, whose local time is the gap's end. So when a spring gap
 * begins before that opening, its start is returned instead. Every wall time from `w` up to
 * the one returned stands only for instants outside the window: a scan may jump over them.
 */
export const nextOpenWall = (window: TimeWindow, w: number, zone: WallZone): number => {
  const timeOfDay = ((w % DAY) + DAY) % DAY;
  if (isInWindow(window, Math.floor(timeOfDay / MINUTE))) return w;
  let open = w - timeOfDay + window.startMinute * MINUTE;
  if (open <= w) open += DAY;
  const from = instantOfWall(w, zone);
  const to = instantOfWall(open, zone);
  const before = zone.offset(from);
  if (zone.offset(to) > before) {
    // Clocks jump forward in between: wall times from the gap's start stand for the jump.
    const gapStart = transitionBetween(from, to, zone) + before;
    if (gapStart > w && gapStart < open) return gapStart;
  }
  return open;
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
 * When slot `slot` (epoch ms) of `spec` stops being placeable: the earlier of its deadline
 * and the close of the window it fell due in (`windowClosed` when the close came first).
 * plan, apply and status all read a slot's end here.
 */
export const slotEndsAt = (
  spec: ScheduleSpec,
  slot: number,
): { readonly at: number; readonly windowClosed: boolean } => {
  const deadline = slot + spec.deadlineMs;
  const close = windowClosesAt(spec, slot);
  return close === undefined || close >= deadline
    ? { at: deadline, windowClosed: false }
    : { at: close, windowClosed: true };
};
