import type { ScheduleSpec } from '../validate/model.js';
import { isInWindow, parseWindow, type TimeWindow } from '../validate/parse.js';
import { instantOfWall, secondOfDay, transitionBetween, type WallZone, zoneOf } from './zone.js';

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
