import { parseCron } from '../schedule/cron.js';
import { MONTHS } from '../schedule/months.js';

/**
 * How a 6-field cron is read, said when it is likely not what was meant. callops reads 6
 * fields with seconds first (second minute hour day month weekday), as cron's parser and
 * Quartz do; AWS EventBridge writes a year as the 6th field instead, so `0 9 * * 1-5 *`,
 * meant as 09:00 on weekdays, is read as minute 9 of every hour of January to May. Such an
 * expression is valid: the reading is a warning, said in words, with the 5-field form.
 */

/** `1-5` → `January–May`, `1,6` → `January, June`; undefined for anything else (names, steps). */
const monthNames = (text: string): string | undefined => {
  if (!/^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/.test(text)) return undefined;
  const name = (n: string) => MONTHS[Number(n) - 1];
  const parts = text.split(',').map((item) => item.split('-').map(name));
  if (parts.some((p) => p.some((n) => n === undefined))) return undefined;
  return parts.map((p) => p.join('–')).join(', ');
};

/** The six fields read with seconds first, in words: `second 0, minute 9 of every hour, …`. */
export const secondsFirstWords = (parts: readonly string[]): string => {
  const [second, minute, hour, day, month, weekday] = parts;
  const every = (text: string | undefined) => text === undefined || text === '*';
  const words = [every(second) ? 'every second' : `second ${second}`];
  const ofHour = every(hour) ? ' of every hour' : `, hour ${hour}`;
  words.push(`${every(minute) ? 'every minute' : `minute ${minute}`}${ofHour}`);
  if (!every(day)) words.push(`day ${day} of the month`);
  if (!every(month)) {
    const names = monthNames(month ?? '');
    words.push(`month ${month}${names === undefined ? '' : ` (${names})`}`);
  }
  if (!every(weekday)) words.push(`weekday ${weekday}`);
  if (every(day) && every(month) && every(weekday)) words.push('every day');
  return words.join(', ');
};

const TIME = /^\d{1,2}$/;

/** `09:00` for minute `0` and hour `9`; undefined unless both are one number. */
const clock = (minute: string | undefined, hour: string | undefined): string | undefined =>
  minute !== undefined && hour !== undefined && TIME.test(minute) && TIME.test(hour)
    ? `${hour.padStart(2, '0')}:${minute.padStart(2, '0')}`
    : undefined;

/**
 * The warning of a valid 6-field cron whose 6th field is `*` (a year's, as AWS writes it),
 * that calls in every hour while its first five fields, read as 5, name hours: `0 9 * * 1-5 *`
 * is read as second 0, minute 9 of every hour, January–May, not 09:00 on weekdays. Undefined
 * for any other cron: `30 0 9 * * *` (09:00:30), `*\/10 * * * * *` (every 10 seconds) and
 * `0 *\/15 * * * MON-FRI` are read as they were written.
 */
export const secondsFirstWarning = (expression: string): string | undefined => {
  const parts = expression.trim().split(/\s+/);
  // As a year, the 6th field is written `*`; anything else there is a weekday, seconds first.
  if (parts.length !== 6 || parts[5] !== '*') return undefined;
  const read = parseCron(expression);
  const five = parts.slice(0, 5).join(' ');
  const asFive = parseCron(five);
  if (read === undefined || asFive === undefined) return undefined;
  if (read.hour.length < 24 || asFive.hour.length === 24) return undefined;
  const at = clock(parts[0], parts[1]);
  const meant =
    at === undefined
      ? `as minute hour day month weekday, write 5 fields: \`${five}\``
      : `for ${at} write 5 fields: \`${five}\``;
  // Second 0 of each minute is what 5 fields mean: the reading has a 5-field form.
  const kept = parts[0] === '0' ? `; to keep this reading, \`${parts.slice(1).join(' ')}\`` : '';
  return `cron \`${expression}\`: 6 fields are read with seconds first, none as a year: ${secondsFirstWords(parts)}, so it fires in every hour; ${meant}${kept}`;
};

/**
 * What to say of a `?` (Quartz's and AWS's "no specific value"), which cron's parser does not
 * read: where it stands tells which layout was meant. Quartz's 6 fields are callops' own
 * (seconds first), so `*` in its place reads as meant; AWS's are minute hour day month
 * weekday year, so its first five fields are the 5-field form. Undefined without a `?`.
 */
export const questionMarkProblem = (
  expression: string,
  isValid: (cron: string) => boolean,
): string | undefined => {
  const parts = expression.trim().split(/\s+/);
  const marks = parts.flatMap((part, i) => (part === '?' ? [i] : []));
  if (marks.length === 0) return undefined;
  const starred = parts.map((part) => (part === '?' ? '*' : part));
  // Quartz and AWS number weekdays 1 = Sunday to 7 = Saturday, cron 0 (or 7) = Sunday, 1 =
  // Monday: a rewrite keeping the numbers would call a day later. Names read alike in both.
  const weekday = parts.length === 6 ? parts[marks.every((i) => i === 2 || i === 4) ? 4 : 5] : '';
  const numbered = /\d/.test(weekday ?? '');
  const offer = (words: string, cron: string) =>
    numbered
      ? `; its weekday \`${weekday}\` counts from 1 = Sunday, cron's from 0 = Sunday (1 = Monday): write the days by name (MON-FRI)`
      : isValid(cron)
        ? `${words}\`${cron}\``
        : '';
  const not = (whose: string) =>
    `cron \`${expression}\`: \`?\` (${whose} "no specific value") is not supported`;
  if (parts.length === 6 && marks.every((i) => i === 3 || i === 5)) {
    // Quartz: second minute hour day month weekday, read as callops reads 6 fields.
    const five =
      parts[0] === '0' && !numbered ? offer(', or 5 fields: ', starred.slice(1).join(' ')) : '';
    return `${not("Quartz's")}: write \`*\` in its place; 6 fields are read with seconds first, as Quartz reads them${offer(': ', starred.join(' '))}${five}`;
  }
  if (parts.length === 6 && marks.every((i) => i === 2 || i === 4)) {
    // AWS: minute hour day month weekday year. No year field: its first five are the cron.
    return `${not("AWS's")}, and 6 fields are read with seconds first, none as a year (AWS reads a year last): for minute hour day month weekday write 5 fields${offer(': ', starred.slice(0, 5).join(' '))}`;
  }
  return `${not("Quartz's and AWS's")}: write \`*\` in its place${offer(': ', starred.join(' '))}`;
};

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** A weekday field in words when it is plain numbers: `1-5` → `Monday–Friday`, `5` → `Friday`. */
const weekdayNames = (text: string): string | undefined => {
  if (!/^\d(?:-\d)?(?:,\d(?:-\d)?)*$/.test(text)) return undefined;
  const name = (n: string) => WEEKDAYS[Number(n) % 7];
  return text
    .split(',')
    .map((item) => item.split('-').map(name).join('–'))
    .join(', ');
};

/**
 * The warning of a cron that restricts both the day of the month and the weekday: cron reads
 * such a day as matching when either matches (`0 9 13 * 5` fires on every 13th and every
 * Friday, not on Friday the 13th alone), which reads as "both" to many. Linux's crontab (Vixie
 * cron) differs where a day field starts with `*` (`*\/2`): it reads the two as both, callops
 * as either, which calls on many more days. Undefined when either day field admits every
 * value, or the expression is not one cron reads.
 */
export const eitherDayWarning = (expression: string): string | undefined => {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 && parts.length !== 6) return undefined;
  const fields = parseCron(expression);
  if (fields === undefined) return undefined;
  if (fields.dayOfMonth.length === 31 || fields.dayOfWeek.length === 7) return undefined;
  const day = parts[parts.length - 3] ?? '';
  const weekday = parts[parts.length - 1] ?? '';
  const names = weekdayNames(weekday);
  const starred = day.startsWith('*') || weekday.startsWith('*');
  const linux = starred
    ? `; Linux's crontab reads a day field that starts with \`*\` as "both", so there it fires far more rarely`
    : '';
  return `cron \`${expression}\`: both the day of the month (\`${day}\`) and the weekday (\`${weekday}\`${names === undefined ? '' : `, ${names}`}) are set, so it fires on every day that matches either of them, as cron reads the two, not only on days that match both${linux}`;
};

/** What validate's warnings of a cron that can never place a slot end with. */
const NEVER_PLACED = 'no slot of it is ever placed';

/**
 * The warning of a cron none of whose times of day lies inside its window (schedule-window-
 * reach), in the words the plan gives the call as its reason too: `window` as written, `zone`
 * the schedule's.
 */
export const windowReachWarning = (expression: string, window: string, zone: string): string =>
  `cron \`${expression}\` never falls inside window ${window} (${zone} time): ${NEVER_PLACED}`;

/** The warning of a cron that admits no date (schedule-cron-dates): 31 February, 31 April. */
export const cronDatesWarning = (expression: string): string =>
  `cron \`${expression}\` matches no date of any year (its days of month never come in its months): ${NEVER_PLACED}`;
