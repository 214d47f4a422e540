import { MONTHS } from './months.js';

/**
 * What luxon lets through in an ISO-8601 date and time that names no instant as written,
 * said in words. A leaf module (no luxon): `--now` and validate read it without loading the
 * date library to say why.
 */

/** A calendar date, alone or before the time: `2026-07-01`, `2026-07-01T…`, `20260701T…`. */
const CALENDAR = /^(\d{4})-?(\d{2})-?(\d{2})(?=T|$)/i;
/** The time of day after the `T`: hours, then minutes and seconds when written. */
const CLOCK = /T((\d{2})(?::?(\d{2})(?::?(\d{2}))?)?)/i;
/** An offset ending the time of day: `+02:00`, `+0200` or `+02`. */
const OFFSET = /T[\d:.,]*\d([+-]\d{2}(?::?(\d{2}))?)$/i;

/** The largest UTC offset any zone uses (Kiribati's +14:00), in minutes, either way. */
export const MAX_OFFSET_MINUTES = 14 * 60;

/** `+05:30` → 330, `-0400` → −240, `+09` → 540. */
export const offsetMinutes = (offset: string): number => {
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return offset.startsWith('-') ? -minutes : minutes;
};

/** The offset written at the end of an ISO-8601 date and time (`-05:00`), or undefined (`Z`, none). */
export const writtenOffset = (text: string): string | undefined => OFFSET.exec(text)?.[1];

/**
 * Why `text` names no instant although luxon may read one: a day not on the calendar
 * (2027-02-29), a time not on the clock (24:00:00, which luxon reads as the next day's
 * midnight), or a UTC offset no zone has (+24:00, +14:60, which luxon adds as written,
 * hours or days away). Undefined when none of these is wrong (luxon judges the rest).
 */
export const whyNotAnInstant = (text: string): string | undefined => {
  const date = CALENDAR.exec(text);
  if (date) {
    const [year, month, day] = date.slice(1, 4).map(Number) as [number, number, number];
    const written = date[0];
    if (month < 1 || month > 12) return `${written} is not a date: a month is 01 to 12`;
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > days)
      return `${written} does not exist: ${MONTHS[month - 1]} ${year} has ${days} days`;
  }
  const clock = CLOCK.exec(text);
  if (clock) {
    const [, written, h, m, s] = clock;
    if (Number(h) > 23 || Number(m ?? 0) > 59 || Number(s ?? 0) > 59)
      return `${written} is not a time of day (00:00:00 to 23:59:59)`;
  }
  const offset = writtenOffset(text);
  if (offset !== undefined) {
    const minutes = Number(OFFSET.exec(text)?.[2] ?? 0);
    if (minutes > 59 || Math.abs(offsetMinutes(offset)) > MAX_OFFSET_MINUTES)
      return `${offset} is not a UTC offset (-14:00 to +14:00, minutes 00 to 59)`;
  }
  return undefined;
};
