import { cronHasDate, parseCron } from '../schedule/cron.js';
import { type CompiledSchedule, inWindow } from '../schedule/index.js';
import { cronDatesWarning, windowReachWarning } from '../validate/cron-reading.js';
import type { ScheduleSpec } from '../validate/model.js';
import { cronReachesWindow, parseWindow } from '../validate/parse.js';
import { formatSlot } from './keys.js';

/**
 * A scheduled call the search for its next slots found none of: one that has no slot left
 * and none of whose slots was ever placed (listed as skipped), or, `beyond`, a cron whose
 * next slot, if it has one, lies past where the search stopped (listed as upcoming), or,
 * `never`, a cron that can never place a slot (listed as skipped, whatever was placed
 * before it was so edited: nothing of it is to come, and it is not done either).
 */
export interface NoSlotLeft {
  /** Its one slot (an `at`), listed as the plan lists that slot. */
  readonly slot?: Date;
  readonly reason: string;
  readonly beyond?: true;
  readonly never?: true;
}

export interface NoSlotInput {
  readonly spec: ScheduleSpec;
  readonly compiled: CompiledSchedule;
  readonly now: number;
  /** When callops first saw the call (its memory's `since`). */
  readonly sinceMs: number;
  /** Why a slot is over: its deadline, or its window's close (the plan's words). */
  readonly over: (slot: Date) => string;
  /** Where the search for the next slots, which found none, stopped (searchEnd). */
  readonly searchedTo: number;
}

const ONE_TIME = 'a one-time schedule has no other slot: move its `at` to place it';

/** `its \`at\` 2026-12-01T09:00:00 lies outside its window 08:00-12:00 (Europe/Berlin)`. */
const outsideWords = (spec: ScheduleSpec, compiled: CompiledSchedule, at: number): string => {
  const zone = spec.timezone;
  if (compiled.startMs !== undefined && at < compiled.startMs)
    return `its \`at\` falls before its \`start\` ${spec.start ?? ''} (${zone})`;
  if (compiled.endMs !== undefined && at > compiled.endMs)
    return `its \`at\` falls at or after its \`end\` ${spec.end ?? ''} (${zone})`;
  return `its \`at\` falls outside its window ${spec.window ?? ''} (${zone} time)`;
};

/**
 * Why a scheduled call can have no slot any more, and so is never placed, or undefined when
 * it can: its `at` passed (or is no slot at all: outside its window, `start` or `end`), or
 * its `end` passed, or comes before any slot of it. Asked only of a call the plan lists
 * nothing of (no slot due, to come, missed in its view, placed lately or held) and with no
 * lockfile entry under its name, none let go by `state.keep` either: without this a one-time
 * call whose `at` was written a year early would be in no output at all once its slot left
 * the missed slots' lookback (or at once, when callops first saw it after its deadline).
 * A cron with no slot up to where the search stopped is `beyond` it, listed as to come: never
 * left out either. A cron matching no date, or none in its window, is `never`: it has no slot
 * to come, and says so in validate's warning.
 */
export const noSlotLeft = ({
  spec,
  compiled,
  now,
  sinceMs,
  over,
  searchedTo,
}: NoSlotInput): NoSlotLeft | undefined => {
  const at = compiled.atMs;
  if (at !== undefined) {
    const slot = new Date(at);
    const isSlot =
      (compiled.startMs === undefined || at >= compiled.startMs) &&
      (compiled.endMs === undefined || at <= compiled.endMs) &&
      inWindow(spec, slot);
    if (!isSlot) {
      return {
        slot,
        reason: `never placed: ${outsideWords(spec, compiled, at)}, so it is no slot`,
      };
    }
    if (at > now) return undefined;
    // As planMissed reads it: a slot over before callops first saw the call was never missed.
    const seen = at > sinceMs - spec.deadlineMs;
    return {
      slot,
      reason: seen
        ? `never placed: its only slot was missed (${over(slot)}); ${ONE_TIME}`
        : `never placed: its only slot had passed when callops first saw the call (${formatSlot(new Date(sinceMs))}); ${ONE_TIME}`,
    };
  }
  const end = compiled.endMs;
  if (end !== undefined && end <= now) {
    const ended = `its schedule ended (\`end\` ${spec.end ?? ''}, ${spec.timezone})`;
    return {
      reason:
        end < sinceMs
          ? `never placed: ${ended} before callops first saw the call; no slot is left`
          : `never placed: ${ended} with none of its slots placed; no slot is left`,
    };
  }
  if (end !== undefined && end <= searchedTo) {
    return {
      reason: `never placed: none of its slots comes before its \`end\` ${spec.end ?? ''} (${spec.timezone}); no slot is left`,
    };
  }
  const never = neverPlaced(spec);
  return never === undefined
    ? { beyond: true, reason: NONE_AHEAD }
    : { never: true, reason: never };
};

/**
 * A cron with no slot where the search looked: said without the instant the search stopped
 * at, which moves with `now` (a plan posted on each push would change on every run).
 */
export const NONE_AHEAD =
  'no slot within the eight years looked through (a later one, if any, is listed once within them)';

/**
 * Why a cron can never place a slot: validate's warning (schedule-window-reach, else
 * schedule-cron-dates), word for word: none of its times of day is inside its window, or it
 * names no date. Undefined when it can.
 */
export const neverPlaced = (spec: ScheduleSpec): string | undefined => {
  const cron = spec.cron;
  const fields = cron === undefined ? undefined : parseCron(cron);
  if (cron === undefined || !fields) return undefined;
  const window = spec.window === undefined ? undefined : parseWindow(spec.window);
  if (window && window.startMinute !== window.endMinute && !cronReachesWindow(fields, window))
    return windowReachWarning(cron, spec.window ?? '', spec.timezone);
  if (!cronHasDate(fields)) return cronDatesWarning(cron);
  return undefined;
};
