import { CRON_UNITS, type ParsedCron, parseCronExpression } from './libs.js';

/** The values each field of a cron expression admits, as cron itself parsed them. */
export interface CronFields {
  readonly second: readonly number[];
  readonly minute: readonly number[];
  readonly hour: readonly number[];
  readonly dayOfMonth: readonly number[];
  readonly month: readonly number[];
  /** 0 = Sunday … 6 = Saturday (cron folds 7 into 0). */
  readonly dayOfWeek: readonly number[];
}

/**
 * Parses with cron's own parser (5 fields, 6 with seconds first, names, presets) and reads the
 * admitted values it keeps per field. cron has no public accessor for them (its toJSON()
 * reports a field that lacks only its last value, such as hour `0-22`, as `*`), so the parsed
 * fields are read directly; should a cron release store them differently, every expression
 * becomes unreadable — no slot at all, never a wrong one — and the tests say so.
 */
export const parseCron = (expression: string): CronFields | undefined => {
  let parsed: ParsedCron;
  try {
    parsed = parseCronExpression(expression);
  } catch {
    return undefined;
  }
  const fields: Partial<Record<(typeof CRON_UNITS)[number], number[]>> = {};
  for (const unit of CRON_UNITS) {
    const field = parsed[unit];
    if (field === null || typeof field !== 'object') return undefined;
    const values = Object.keys(field)
      .map(Number)
      .sort((a, b) => a - b);
    if (values.length === 0 || !values.every(Number.isInteger)) return undefined;
    fields[unit] = values;
  }
  return fields as CronFields;
};

const DAY = 86_400_000;
/** Nothing matching within this long after the start means never (30 February). */
const SEARCH_LIMIT_MS = 8 * 366 * DAY;

const nextIn = (values: readonly number[], from: number): number | undefined =>
  values.find((v) => v >= from);

/**
 * A search for the first time strictly after `after` (ms, whole seconds matter) that the
 * fields admit, reading `after` as a plain UTC clock — callers pass wall times, so no clock
 * ever jumps. Day of month and day of week follow cron (and Vixie cron): when both are
 * restricted, a day matching either is admitted. Undefined when nothing matches within eight
 * years. It is the search of cron's getNextDateFrom in UTC, without its date-library cost
 * (about 0.1 ms a step); a property test holds the two equal.
 */
export const cronMatcher = (fields: CronFields): ((after: number) => number | undefined) => {
  const months = new Set(fields.month);
  const doms = new Set(fields.dayOfMonth);
  const dows = new Set(fields.dayOfWeek);
  const anyDom = fields.dayOfMonth.length === 31;
  const anyDow = fields.dayOfWeek.length === 7;
  return (after) => {
    const limit = after + SEARCH_LIMIT_MS;
    let t = Math.floor(after / 1000) * 1000 + 1000;
    while (t <= limit) {
      const d = new Date(t);
      const [y, mo, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
      if (!months.has(mo + 1)) {
        t = Date.UTC(y, mo + 1, 1);
        continue;
      }
      const dom = doms.has(day);
      const dow = dows.has(d.getUTCDay());
      if (!(anyDom ? anyDow || dow : anyDow ? dom : dom || dow)) {
        t = Date.UTC(y, mo, day + 1);
        continue;
      }
      const [h, mi, s] = [d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
      const hour = nextIn(fields.hour, h);
      if (hour !== h) {
        t = hour === undefined ? Date.UTC(y, mo, day + 1) : Date.UTC(y, mo, day, hour);
        continue;
      }
      const minute = nextIn(fields.minute, mi);
      if (minute !== mi) {
        t = minute === undefined ? Date.UTC(y, mo, day, h + 1) : Date.UTC(y, mo, day, h, minute);
        continue;
      }
      const second = nextIn(fields.second, s);
      if (second !== undefined) return Date.UTC(y, mo, day, h, mi, second);
      t = Date.UTC(y, mo, day, h, mi + 1);
    }
    return undefined;
  };
};

/**
 * Where the search for a date a cron admits starts: a leap year, so that eight years from it
 * hold every day of month of every month and every weekday of each (29 February included).
 */
const DATES_FROM = Date.UTC(2000, 0, 1);

/** Whether the fields admit any date at all (not 31 February, 31 April alone). */
export const cronHasDate = (fields: CronFields): boolean =>
  cronMatcher(fields)(DATES_FROM) !== undefined;
