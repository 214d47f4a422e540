import type { ScheduleSpec } from '../validate/model.js';
import { isInWindow, parseWindow } from '../validate/parse.js';
import { secondOfDay, zoneOf } from './zone.js';

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
