import type { ScheduleSpec } from '../validate/model.js';
import { isInWindow, parseWindow } from '../validate/parse.js';
import { endInstant, parseInstant, secondOfDay, zoneOf } from './zone.js';

/**
 * When a campaign row without cron or at may be called: at any instant of [start, end) that
 * lies inside its window, read in the row's zone. Pure; `now` is a parameter.
 */
export type Hours =
  /** Callable now. */
  | { readonly state: 'open' }
  /**
   * Not yet: before `start`, or outside the window; `opens` is the next instant it may be
   * called. Without `opens` but with `end`, the hours do not open again before `end` (the
   * instant it is reached).
   */
  | {
      readonly state: 'waiting';
      readonly opens?: number;
      readonly end?: number;
      readonly why: string;
    }
  /** `end` has passed: `end` is the instant it was reached (a plain date: the next midnight). */
  | { readonly state: 'expired'; readonly end: number };

const MINUTE = 60_000;
/** How far ahead the next opening is looked for (a window opens at least once a day). */
const LOOKAHEAD_MS = 8 * 86_400_000;

/** Next instant ≥ `from` inside the window (minute steps), or undefined within the lookahead. */
const nextInside = (
  from: number,
  accept: (t: number) => boolean,
  until: number,
): number | undefined => {
  if (accept(from)) return from;
  let t = Math.ceil(from / MINUTE) * MINUTE;
  const stop = Math.min(until, from + LOOKAHEAD_MS);
  for (; t < stop; t += MINUTE) if (accept(t)) return t;
  return undefined;
};

/** A cache for one plan: rows of one zone share their answer. */
export type HoursCache = Map<string, Hours>;

export const hoursAt = (spec: ScheduleSpec, now: number, cache?: HoursCache): Hours => {
  const key = `${spec.timezone}\0${spec.window ?? ''}\0${spec.start ?? ''}\0${spec.end ?? ''}`;
  const known = cache?.get(key);
  if (known) return known;
  const found = compute(spec, now);
  cache?.set(key, found);
  return found;
};

const compute = (spec: ScheduleSpec, now: number): Hours => {
  const zone = zoneOf(spec.timezone);
  if (!zone) return { state: 'waiting', why: `time zone \`${spec.timezone}\` not understood` };
  const start = spec.start === undefined ? undefined : parseInstant(spec.start, zone);
  const end = spec.end === undefined ? undefined : endInstant(spec.end, zone);
  if (end !== undefined && now >= end) return { state: 'expired', end };
  const window = spec.window === undefined ? undefined : parseWindow(spec.window);
  const accept = (t: number) =>
    window === undefined || isInWindow(window, Math.floor(secondOfDay(t, zone) / 60));
  const from = start !== undefined && start > now ? start : now;
  const until = end ?? Number.POSITIVE_INFINITY;
  if (from === now && accept(now)) return { state: 'open' };
  const opens = nextInside(from, accept, until);
  const hours = spec.window === undefined ? '' : ` ${spec.window} ${spec.timezone}`;
  const why = from > now ? `waiting for start ${spec.start}` : `outside calling hours${hours}`;
  return opens === undefined
    ? {
        state: 'waiting',
        why: `${why}; no opening before end ${spec.end ?? ''}`.trim(),
        ...(end === undefined ? {} : { end }),
      }
    : { state: 'waiting', opens, why };
};
