import type { CronFields } from '../schedule/cron.js';

/** Small parsers for the duration, rate and time-window strings of call files and callops.yaml. */

const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * The longest delay a Node timer takes: 2^31-1 ms, about 24.8 days. A longer one is cut to
 * 1 ms with a warning, so a duration callops waits out in a timer must not pass it.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** How MAX_TIMER_MS is said in messages. */
export const MAX_TIMER_TEXT = '2147483647 ms (about 24.8 days, e.g. 24d)';

const DURATION = /^(?:\d+(?:ms|s|m|h|d))+$/;
const DURATION_PART = /(\d+)(ms|s|m|h|d)/g;

/**
 * A duration such as "30s", "10m", "1h", "90s", "500ms", "2d" or "1h30m", in milliseconds.
 * Whole numbers only; undefined when the text is not a duration.
 */
export const parseDuration = (text: string): number | undefined => {
  const trimmed = text.trim();
  if (!DURATION.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(DURATION_PART)) {
    total += Number(amount) * (UNIT_MS[unit ?? ''] ?? Number.NaN);
  }
  return Number.isSafeInteger(total) ? total : undefined;
};

export interface Rate {
  /** Calls allowed per window. */
  readonly count: number;
  /** Window length in milliseconds. */
  readonly perMs: number;
}

const RATE = /^(\d+)\s*\/\s*(\d*)(ms|s|m|h|d)$/;

/** A rate such as "5/s", "600/5m" or "100/1h"; undefined when malformed or zero. */
export const parseRate = (text: string): Rate | undefined => {
  const match = RATE.exec(text.trim());
  if (!match) return undefined;
  const count = Number(match[1]);
  const perMs = Number(match[2] || '1') * (UNIT_MS[match[3] ?? ''] ?? Number.NaN);
  if (!Number.isSafeInteger(count) || count <= 0 || !Number.isSafeInteger(perMs) || perMs <= 0) {
    return undefined;
  }
  return { count, perMs };
};

const LIMIT = /^\s*(\d+)\s*\/\s*(\S+)\s*$/;

/**
 * A limit such as `per_number: 3/24h` (at most 3 calls within any 24 hours): a count of 1 or
 * more over a duration longer than 0; undefined otherwise.
 */
export const parseLimit = (text: string): Rate | undefined => {
  const m = LIMIT.exec(text);
  const count = m ? Number(m[1]) : Number.NaN;
  const perMs = m ? parseDuration(m[2] ?? '') : undefined;
  if (!Number.isSafeInteger(count) || count < 1 || perMs === undefined || perMs <= 0)
    return undefined;
  return { count, perMs };
};

/**
 * An allowed local time of day, in minutes after midnight, half-open: [startMinute, endMinute).
 * `endMinute` may be 1440 ("24:00", the end of the day). When `endMinute < startMinute`
 * the window wraps past midnight: "21:00-06:00" allows 21:00–24:00 and 00:00–06:00
 * (a night shift is a deliberate choice, so it is allowed rather than guessed at).
 * A window whose start equals its end is empty and rejected by validation.
 */
export interface TimeWindow {
  readonly startMinute: number;
  readonly endMinute: number;
}

const WINDOW = /^([01]\d|2[0-3]):([0-5]\d)\s*-\s*(?:([01]\d|2[0-3]):([0-5]\d)|(24):(00))$/;

/** "HH:MM-HH:MM" in 24-hour time (two-digit hours; "24:00" only as the end). */
export const parseWindow = (text: string): TimeWindow | undefined => {
  const match = WINDOW.exec(text.trim());
  if (!match) return undefined;
  const startMinute = Number(match[1]) * 60 + Number(match[2]);
  const endMinute = match[5] ? 1440 : Number(match[3]) * 60 + Number(match[4]);
  return { startMinute, endMinute };
};

/** Whether a local minute of the day (0–1439) falls inside the window. */
export const isInWindow = (window: TimeWindow, minuteOfDay: number): boolean =>
  window.startMinute <= window.endMinute
    ? minuteOfDay >= window.startMinute && minuteOfDay < window.endMinute
    : minuteOfDay >= window.startMinute || minuteOfDay < window.endMinute;

/** Whether any time of day a cron names (its hours × minutes) lies inside `window`. */
export const cronReachesWindow = (
  fields: Pick<CronFields, 'hour' | 'minute'>,
  window: TimeWindow,
): boolean => fields.hour.some((h) => fields.minute.some((m) => isInWindow(window, h * 60 + m)));
