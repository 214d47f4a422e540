import { validateCronExpression } from 'cron';
import type { ScheduleSpec } from './model.js';
import { parseDuration } from './parse.js';
import { isRecord } from './site.js';

export const DEFAULT_TIMEZONE = 'UTC';
export const DEFAULT_DEADLINE_MS = 600_000;

/** The schedule keys that hold text. */
export const TEXT_KEYS = ['cron', 'at', 'timezone', 'start', 'end', 'window', 'deadline'] as const;
export type TextKey = (typeof TEXT_KEYS)[number];

const lowerFirst = (text: string): string => text.charAt(0).toLowerCase() + text.slice(1);

const cronProblems = new Map<string, string | undefined>();

/** What is wrong with a cron expression (5 fields, or 6 with seconds first), or undefined. */
export const checkCron = (expression: string): string | undefined => {
  if (!cronProblems.has(expression)) cronProblems.set(expression, cronProblem(expression));
  return cronProblems.get(expression);
};

const cronProblem = (expression: string): string | undefined => {
  const fields = expression.trim().split(/\s+/).filter(Boolean).length;
  if (fields !== 5 && fields !== 6) {
    return `cron \`${expression}\` has ${fields} field${fields === 1 ? '' : 's'}; write 5 (minute hour day month weekday) or 6 with seconds first`;
  }
  const result = validateCronExpression(expression);
  if (result.valid) return undefined;
  const reason = result.error?.message ? `: ${lowerFirst(result.error.message)}` : '';
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
  };
};
