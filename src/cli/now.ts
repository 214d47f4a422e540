import { MONTHS } from '../schedule/months.js';
import { UsageError } from './exit.js';

const WRITTEN = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/;

/**
 * Why a `--now` of the right shape names no instant: a day not on the calendar or a time not
 * on the clock, said as such; undefined when it is something else.
 */
const notOnTheCalendar = (text: string): string | undefined => {
  const m = WRITTEN.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as number[];
  const [year, month, day] = [y ?? 0, mo ?? 0, d ?? 0];
  const date = text.slice(0, 10);
  if (month < 1 || month > 12) return `${date} is not a date: a month is 01 to 12`;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > days)
    return `${date} does not exist: ${MONTHS[month - 1]} ${year} has ${days} days`;
  if ((h ?? 0) > 23 || (mi ?? 0) > 59 || (s ?? 0) > 59)
    return `${text.slice(11, m[6] === undefined ? 16 : 19)} is not a time of day (00:00:00 to 23:59:59)`;
  return undefined;
};

/**
 * `--now`: a date and time with an offset, read as a call file's `at:` is (a day not on the
 * calendar is refused, never rolled over). The schedule module is loaded only when it is given.
 */
export const pickNow = async (value: unknown): Promise<{ now: Date; given: boolean }> => {
  if (value === undefined) return { now: new Date(), given: false };
  const text = String(value);
  const shaped = /^\d{4}-\d{2}-\d{2}T/.test(text) && /(Z|[+-]\d{2}:?\d{2})$/.test(text);
  const ms = shaped ? (await import('../schedule/zone.js')).isoDateTime(text) : undefined;
  if (ms !== undefined) return { now: new Date(ms), given: true };
  const why = shaped ? notOnTheCalendar(text) : undefined;
  throw new UsageError(
    why === undefined
      ? `--now must be an ISO-8601 instant with an offset, e.g. 2026-12-01T09:00:00Z (got "${text}")`
      : `--now ${text}: ${why}`,
  );
};
