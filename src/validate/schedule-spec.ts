import { parseCronExpression } from '../schedule/libs.js';
import { questionMarkProblem } from './cron-reading.js';
import type { ScheduleSpec } from './model.js';
import { parseDuration } from './parse.js';
import { isRecord } from './site.js';

export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_DEADLINE_MS = 600_000;

/** The schedule keys that hold text. */
export const TEXT_KEYS = ['cron', 'at', 'timezone', 'start', 'end', 'window', 'deadline'] as const;
export type TextKey = (typeof TEXT_KEYS)[number];

/** The keys besides `cron` and `at` that limit when a call may be placed. */
export const LIMIT_KEYS = ['window', 'start', 'end'] as const;

/**
 * Whether a schedule a call takes from its defaults, writing none itself, says when it is
 * placed: it has `cron` or `at`, or limits the times (a window, a start or an end). One that
 * only sets a `timezone`, `deadline` or `catchup` (for the calls that have `cron` or `at`)
 * changes nothing for a call placed at once, nor for a campaign's rows without hours.
 */
export const saysWhen = (schedule: unknown): boolean =>
  isRecord(schedule) && ['cron', 'at', ...LIMIT_KEYS].some((key) => schedule[key] !== undefined);

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

const cronProblems = new Map<string, string | undefined>();

/** What is wrong with a cron expression (5 fields, or 6 with seconds first), or undefined. */
export const checkCron = (expression: string): string | undefined => {
  if (!cronProblems.has(expression)) cronProblems.set(expression, cronProblem(expression));
  return cronProblems.get(expression);
};

/** The 5-field equivalent of each shortcut cron's parser would accept. */
const SHORTCUTS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
  '@minutely': '* * * * *',
  '@secondly': '* * * * * *',
};

const shortcutProblem = (expression: string): string | undefined => {
  const word = expression.trim();
  if (!word.startsWith('@')) return undefined;
  const equivalent = SHORTCUTS[word.toLowerCase()];
  const hint = equivalent
    ? `write its 5-field equivalent, \`${equivalent}\``
    : 'write 5 fields (minute hour day month weekday), or 6 with seconds first';
  return `cron shortcuts such as \`${word}\` are not supported: ${hint}`;
};

const FIELDS_5 = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
] as const;
const FIELDS_6 = [['second', 0, 59], ...FIELDS_5] as const;

/** `minute 61 is out of range 0–59`: the first number of a field outside that field's range. */
const rangeProblem = (parts: readonly string[]): string | undefined => {
  const fields = parts.length === 6 ? FIELDS_6 : FIELDS_5;
  for (const [index, [name, lo, hi]] of fields.entries()) {
    for (const item of (parts[index] ?? '').split(',')) {
      for (const bound of (item.split('/')[0] ?? '').split('-')) {
        if (!/^\d+$/.test(bound)) continue;
        const value = Number(bound);
        if (value < lo || value > hi) return `${name} ${value} is out of range ${lo}–${hi}`;
      }
    }
  }
  return undefined;
};

const cronProblem = (expression: string): string | undefined => {
  const shortcut = shortcutProblem(expression);
  if (shortcut) return shortcut;
  const parts = expression.trim().split(/\s+/).filter(Boolean);
  const fields = parts.length;
  if (fields !== 5 && fields !== 6) {
    // Quartz's optional 7th field is a year: say so, it is the likely source.
    const year = fields === 7 ? " (Quartz's 7th field, a year, is not supported)" : '';
    return `cron \`${expression}\` has ${fields} field${fields === 1 ? '' : 's'}; write 5 (minute hour day month weekday) or 6 with seconds first${year}`;
  }
  const question = questionMarkProblem(expression, (cron) => checkCron(cron) === undefined);
  if (question) return question;
  let error: unknown;
  try {
    parseCronExpression(expression);
    return undefined;
  } catch (thrown) {
    error = thrown;
  }
  const range = rangeProblem(parts);
  if (range) return `cron \`${expression}\`: ${range}`;
  const message = error instanceof Error ? error.message : undefined;
  const reason = message ? `: ${lowerFirst(message)}` : '';
  return `cron \`${expression}\` is invalid${reason}`;
};

/** The ScheduleSpec of a merged call (best effort: malformed keys are left out). */
export const toScheduleSpec = (schedule: unknown): ScheduleSpec | undefined => {
  if (!isRecord(schedule)) return undefined;
  const text = (key: TextKey) =>
    typeof schedule[key] === 'string' ? { [key]: schedule[key] } : {};
  const deadlineText = schedule.deadline;
  const deadlineMs = typeof deadlineText === 'string' ? parseDuration(deadlineText) : undefined;
  return {
    ...text('cron'),
    ...text('at'),
    timezone: typeof schedule.timezone === 'string' ? schedule.timezone : DEFAULT_TIMEZONE,
    ...text('start'),
    ...text('end'),
    ...text('window'),
    deadlineMs: deadlineMs || DEFAULT_DEADLINE_MS,
    ...(schedule.catchup === 'all' ? { catchup: 'all' as const } : {}),
  };
};
