import { luxon } from './libs.js';
import { whyNotAnInstant } from './written.js';

/**
 * Wall-clock arithmetic. A "wall time" is a local date and time in some zone, carried as
 * the number of milliseconds it would be if it were UTC (so wall times compare and step
 * like plain numbers, with no daylight-saving jumps).
 */

const HOUR = 3_600_000;

export interface WallZone {
  readonly name: string;
  /** UTC offset in milliseconds at instant `t`. */
  offset(t: number): number;
}

const DAY = 24 * HOUR;

const zones = new Map<string, WallZone | undefined>();

/** A zone's offsets over one UTC day: `start` until `at` (when it changes that day), then `end`. */
interface DayOffsets {
  readonly start: number;
  readonly end: number;
  readonly at?: number;
}

/** UTC days whose offsets a zone keeps (about 11 years; cleared past it). */
const DAYS_KEPT = 4096;

/**
 * `offset` answered by UTC day: each day's offsets are read twice (its start and its end)
 * and, on a day the clocks change, the instant of the change is searched for once. Exact for
 * zones whose offset changes at most once a day, as instantsOfWall assumes; reading the
 * offset from Intl costs tens of microseconds, and counting a call's missed slots asks for
 * it several times a slot.
 */
export const offsetByDay = (offset: (t: number) => number): ((t: number) => number) => {
  const days = new Map<number, DayOffsets>();
  return (t) => {
    const d = Math.floor(t / DAY);
    let day = days.get(d);
    if (day === undefined) {
      const lo = d * DAY;
      const start = offset(lo);
      const end = offset(lo + DAY);
      day =
        start === end
          ? { start, end }
          : { start, end, at: transitionBetween(lo, lo + DAY, { name: '', offset }) };
      if (days.size >= DAYS_KEPT) days.clear();
      days.set(d, day);
    }
    return day.at === undefined || t < day.at ? day.start : day.end;
  };
};

/** The zone named `name` (IANA), or undefined when the name is unknown. Cached by name. */
export const zoneOf = (name: string): WallZone | undefined => {
  if (zones.has(name)) return zones.get(name);
  let wall: WallZone | undefined;
  if (luxon().IANAZone.isValidZone(name)) {
    const zone = luxon().IANAZone.create(name);
    wall = { name, offset: offsetByDay((t) => zone.offset(t) * 60_000) };
  }
  zones.set(name, wall);
  return wall;
};

/** The wall time at instant `t`. */
export const wallOf = (t: number, zone: WallZone): number => t + zone.offset(t);

/** The first instant at or after which the zone's offset is `offset(hi)`, in (lo, hi]. */
export const transitionBetween = (lo: number, hi: number, zone: WallZone): number => {
  const target = zone.offset(hi);
  let a = lo;
  let b = hi;
  while (b - a > 1) {
    const mid = Math.floor((a + b) / 2);
    if (zone.offset(mid) === target) b = mid;
    else a = mid;
  }
  return b;
};

/**
 * The instants at which the zone's clocks show wall time `w`, ascending:
 * - one instant on an ordinary day;
 * - two when the wall time occurs twice (autumn change);
 * - none when it is skipped (spring change); then the instant the clocks jump
 *   (the first instant after the gap) is returned alone, flagged `gap`.
 *
 * Offsets lie within −12 h … +14 h, so every candidate instant lies in [w − 14 h, w + 12 h];
 * the offsets sampled there cover any zone with at most one change within those 26 hours
 * (and two, unless the second undoes the first).
 */
export const instantsOfWall = (
  w: number,
  zone: WallZone,
): { readonly instants: readonly number[]; readonly gap: boolean } => {
  const before = zone.offset(w - 14 * HOUR);
  const after = zone.offset(w + 12 * HOUR);
  if (before === after && zone.offset(w - before) === before) {
    return { instants: [w - before], gap: false };
  }
  const offsets = [...new Set([before, zone.offset(w - HOUR), zone.offset(w), after])];
  const instants = [
    ...new Set(offsets.map((o) => w - o).filter((t) => zone.offset(t) === w - t)),
  ].sort((a, b) => a - b);
  if (instants.length > 0) return { instants, gap: false };
  const lo = w - Math.max(...offsets);
  const hi = w - Math.min(...offsets);
  return { instants: [transitionBetween(lo, hi, zone)], gap: true };
};

/**
 * The one instant that stands for wall time `w`: the first occurrence when it occurs twice,
 * the moment the clocks jump when it is skipped.
 */
export const instantOfWall = (w: number, zone: WallZone): number => {
  const first = instantsOfWall(w, zone).instants[0];
  return first ?? w - zone.offset(w);
};

/**
 * An ISO-8601 date and time as `at:` and `--now` are read: its instant in milliseconds (an
 * offset written is kept; without one the wall time is read as UTC), or undefined when the
 * text is not one — a day not on the calendar (2026-02-30), an hour not on the clock (25:00,
 * 24:00) or an offset no zone has (+24:00, +14:60) included, never rolled over into the next
 * month or day (whyNotAnInstant says why).
 */
export const isoDateTime = (text: string): number | undefined => {
  if (whyNotAnInstant(text) !== undefined) return undefined;
  // A locale named, so that luxon does not ask Intl for the system's (the first
  // Intl.DateTimeFormat costs tens of milliseconds); validity does not depend on it.
  const dt = luxon().DateTime.fromISO(text, { setZone: true, locale: 'en-US' });
  return dt.isValid ? dt.toMillis() : undefined;
};

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const HAS_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * The instant a schedule's `end` is reached, from which its hours are over: a plain date is
 * the whole local day, so its end is the next local midnight in `zone`; a date-time is that
 * instant. Undefined when the text is not ISO-8601.
 */
export const endInstant = (text: string, zone: WallZone): number | undefined => {
  const last = parseInstant(text, zone, true);
  return last !== undefined && DATE_ONLY.test(text.trim()) ? last + 1 : last;
};

/**
 * Parses a schedule instant: a date-time with an offset or Z is absolute; one without is a
 * wall time in `zone`; a plain date `YYYY-MM-DD` is the start of that day in `zone` (or, with
 * `endOfDay`, the last millisecond of that day). Undefined when the text is not ISO-8601, or
 * names no instant as isoDateTime reads it (24:00, an offset no zone has).
 */
export const parseInstant = (
  text: string,
  zone: WallZone,
  endOfDay = false,
): number | undefined => {
  const trimmed = text.trim();
  if (whyNotAnInstant(trimmed) !== undefined) return undefined;
  const date = DATE_ONLY.exec(trimmed);
  if (date) {
    const [, y, m, d] = date;
    const wall = Date.UTC(Number(y), Number(m) - 1, Number(d) + (endOfDay ? 1 : 0));
    const check = luxon().DateTime.fromISO(trimmed, { zone: 'utc' });
    if (!check.isValid) return undefined;
    const start = instantOfWall(wall, zone);
    return endOfDay ? start - 1 : start;
  }
  if (HAS_OFFSET.test(trimmed)) {
    const dt = luxon().DateTime.fromISO(trimmed, { setZone: true });
    return dt.isValid ? dt.toMillis() : undefined;
  }
  const wall = luxon().DateTime.fromISO(trimmed, { zone: 'utc' });
  return wall.isValid ? instantOfWall(wall.toMillis(), zone) : undefined;
};

/**
 * The clocks' forward jump at instant `t`, when they jump exactly then (spring): the wall
 * times `from` (the first one skipped) and `to` (the one shown at `t`). Undefined at any
 * other instant.
 */
export const jumpAt = (
  t: number,
  zone: WallZone,
): { readonly from: number; readonly to: number } | undefined => {
  const before = zone.offset(t - 1);
  const after = zone.offset(t);
  return after > before ? { from: t + before, to: t + after } : undefined;
};

/**
 * The wall time an `at` names in `zone` (read as parseInstant reads it): its own wall time
 * when written without an offset (02:30 even where the clocks skip it), the local time of its
 * instant when written with one. Undefined when the text is not ISO-8601.
 */
export const namedWall = (text: string, zone: WallZone): number | undefined => {
  const trimmed = text.trim();
  if (HAS_OFFSET.test(trimmed) && !DATE_ONLY.test(trimmed)) {
    const t = parseInstant(trimmed, zone);
    return t === undefined ? undefined : wallOf(t, zone);
  }
  const wall = luxon().DateTime.fromISO(trimmed, { zone: 'utc' });
  return wall.isValid ? wall.toMillis() : undefined;
};

/** Local time of day at instant `t`, in seconds since local midnight. */
export const secondOfDay = (t: number, zone: WallZone): number => {
  const wall = wallOf(t, zone);
  const day = 86_400_000;
  return Math.floor((((wall % day) + day) % day) / 1000);
};

/** True when the local time at instant `t` is shown twice that day (the autumn change). */
const isRepeated = (t: number, name: string): boolean => {
  const zone = zoneOf(name);
  return zone !== undefined && instantsOfWall(wallOf(t, zone), zone).instants.length > 1;
};

/**
 * Instant `t` as a wall clock in zone `name`, for output beside the UTC time: `09:00
 * Europe/Berlin`, with the date when it differs from the UTC date, with seconds when not 0.
 * A local time the clocks show twice (the autumn change) carries its zone's abbreviation, as
 * the markdown plan shows it: `01:30 GMT+1 Europe/London`, then `01:30 GMT Europe/London`.
 */
export const localTime = (t: Date, name: string): string => {
  const local = luxon().DateTime.fromJSDate(t, { zone: name });
  if (!local.isValid) return name;
  const time = local.second === 0 ? local.toFormat('HH:mm') : local.toFormat('HH:mm:ss');
  const sameDay = local.toISODate() === t.toISOString().slice(0, 10);
  const which = isRepeated(t.getTime(), name) ? ` ${local.toFormat('ZZZZ')}` : '';
  return `${sameDay ? '' : `${local.toISODate()} `}${time}${which} ${name}`;
};
