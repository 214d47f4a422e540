import type { PathSegments } from '../config/types.js';
import { type CallEntry, siteIn } from './calls.js';
import { CALL_KEYS } from './definition.js';
import type { Diagnostic } from './diagnostic.js';
import type { Locate } from './references.js';
import type { CallRule } from './rules.js';
import { errorAt, isRecord, warningAt } from './site.js';

/** What a number JSON has no word for is, as YAML writes it (or reads it from too large a number). */
const yamlWord = (value: number): string =>
  Number.isNaN(value)
    ? 'not a number (`.nan`)'
    : `${value > 0 ? '' : 'minus '}infinity (\`${value > 0 ? '' : '-'}.inf\`, or a number too large for a double)`;

const notJson = (value: number): string =>
  `this value is ${yamlWord(value)} and cannot be sent: JSON has no infinity or NaN (it would go as null); write a number, or quote it to send text`;

/** Significant digits a double is written with: 17 at most, fewer for a round number. */
const significantDigits = (value: number): number =>
  value.toExponential().replace(/e.*$/, '').replace(/[-.]/g, '').replace(/0+$/, '').length;

/**
 * An integer beyond 2^53 written with more digits than a double keeps: YAML read it into a
 * double and its last digits are gone. A round one (`1e16`, `6.02e23`) loses nothing.
 */
const losesDigits = (value: number): boolean =>
  Number.isInteger(value) && !Number.isSafeInteger(value) && significantDigits(value) >= 16;

const unsafe = (value: number): string =>
  `this integer is beyond 2^53 and loses digits: it would be sent as ${value}; quote it to send its digits as text`;

/**
 * Numbers the request body cannot carry as written, anywhere below `path`: infinity and NaN
 * (JSON.stringify sends null) are errors; an integer beyond 2^53 (YAML read it into a double,
 * its last digits already gone) is a warning.
 */
export const numberProblems = (
  value: unknown,
  path: PathSegments,
  locate: Locate,
): Diagnostic[] => {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return [errorAt(locate(path, false), notJson(value))];
    if (losesDigits(value)) return [warningAt(locate(path, false), unsafe(value))];
    return [];
  }
  if (Array.isArray(value))
    return value.flatMap((item, index) => numberProblems(item, [...path, index], locate));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    numberProblems(item, [...path, key], locate),
  );
};

/** Whether anything below `value` is a number not safe to send: most calls hold none. */
const holdsUnsafeNumber = (value: unknown): boolean => {
  if (typeof value === 'number') return !Number.isFinite(value) || losesDigits(value);
  if (Array.isArray(value)) return value.some(holdsUnsafeNumber);
  if (!isRecord(value)) return false;
  for (const key in value)
    if (Object.hasOwn(value, key) && holdsUnsafeNumber(value[key])) return true;
  return false;
};

/** The options of a call or of defaults (their own keys are option names) that JSON would change. */
export const optionNumberProblems = (
  options: Readonly<Record<string, unknown>>,
  base: PathSegments,
  locate: Locate,
): Diagnostic[] =>
  !holdsUnsafeNumber(options)
    ? []
    : Object.entries(options)
        .filter(([key]) => !CALL_KEYS.includes(key))
        .flatMap(([key, value]) => numberProblems(value, [...base, key], locate));

/**
 * A call's options as JSON carries them, each problem at the layer that wrote it.
 * Structural: where the schema already refused the value (`timeLimit: .inf`), it says so.
 */
export const jsonNumbers: CallRule = {
  name: 'json-numbers',
  kind: 'structural',
  check: (entry: CallEntry) =>
    optionNumberProblems(entry.merged, [], (path) => siteIn(entry, path)),
};
