import type { PathSegments } from '../config/types.js';
import { type CallEntry, siteIn } from './calls.js';
import { CALL_KEYS } from './definition.js';
import type { Diagnostic } from './diagnostic.js';
import { writtenInLayers } from './merge.js';
import type { Locate } from './references.js';
import type { CallRule } from './rules.js';
import { takesTextAt } from './schema-check.js';
import { errorAt, isRecord, type Site, warningAt } from './site.js';

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

/**
 * How the number at a path of the options is written, when JSON writes it otherwise
 * (SourceDocument.writtenNumber); undefined for every other value.
 */
export type Written = (path: PathSegments) => string | undefined;

/** The paths of the finite numbers below `value` that JSON carries whole. */
const sentNumbers = (value: unknown, path: PathSegments): PathSegments[] => {
  if (typeof value === 'number') return Number.isFinite(value) && !losesDigits(value) ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((item, i) => sentNumbers(item, [...path, i]));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => sentNumbers(item, [...path, key]));
};

/** The zeros before a number's first other digit that it is sent without: `007` → 2. */
const droppedZeros = (written: string, sent: string): number => {
  const zeros = (text: string) => /^[-+]?(0*)/.exec(text)?.[1]?.length ?? 0;
  // `0.5` and `0` keep one zero in front.
  return zeros(written) - Math.min(zeros(sent), /^-?0(?:\.|$)/.test(sent) ? 1 : 0);
};

/**
 * A number written otherwise than JSON writes it, where the option takes text too: a
 * leading zero (`zip: 01234`, a phone number) is an error, as nothing that writes it means
 * the number it is read as (and YAML 1.1 reads it as octal); another form (`0x1F`, `1.10`,
 * `+1`, `1e3`) a warning, as it may be the number meant.
 */
const writtenProblem = (written: string, value: number, path: PathSegments, site: Site) => {
  const sent = String(value);
  const shown = path.join('.');
  const quote = `quote it ("${written}") to send it as written`;
  const zeros = /^[-+]?0[0-9]/.test(written) ? droppedZeros(written, sent) : 0;
  if (zeros > 0) {
    const what = zeros === 1 ? 'zero' : 'zeros';
    const message = `\`${shown}\`: ${written} would be sent as the number ${sent}, without its leading ${what}; ${quote}`;
    return errorAt(site, message);
  }
  return warningAt(site, `\`${shown}\`: ${written} is sent as the number ${sent}; ${quote}`);
};

/**
 * The numbers of the options written otherwise than JSON writes them, where quoting them
 * would send their text (a `tag`, a listen's `metadata`): a `timeout: 030` takes a number
 * alone, and the schema judges it. Each is looked up only when written so.
 */
const writtenNumberProblems = (
  options: Readonly<Record<string, unknown>>,
  base: PathSegments,
  locate: Locate,
  written: Written,
): Diagnostic[] => {
  const out: Diagnostic[] = [];
  for (const key of Object.keys(options)) {
    if (CALL_KEYS.includes(key)) continue;
    for (const path of sentNumbers(options[key], [key])) {
      const text = written(path);
      if (text === undefined || !takesTextAt(options, path, text)) continue;
      const value = path.reduce<unknown>(
        (node, segment) => (node as Record<string | number, unknown>)[segment],
        options,
      ) as number;
      out.push(writtenProblem(text, value, path, locate([...base, ...path], false)));
    }
  }
  return out;
};

/**
 * The options of a call or of defaults (their own keys are option names) that JSON would
 * change; with `written`, also those it would send otherwise than they are written.
 */
export const optionNumberProblems = (
  options: Readonly<Record<string, unknown>>,
  base: PathSegments,
  locate: Locate,
  written?: Written,
): Diagnostic[] => [
  ...(!holdsUnsafeNumber(options)
    ? []
    : Object.entries(options)
        .filter(([key]) => !CALL_KEYS.includes(key))
        .flatMap(([key, value]) => numberProblems(value, [...base, key], locate))),
  ...(written === undefined ? [] : writtenNumberProblems(options, base, locate, written)),
];

/**
 * A call's options as JSON carries them, each problem at the layer that wrote it (how a
 * number is written is looked at only where a layer's file may write one otherwise).
 * Structural: where the schema already refused the value (`timeLimit: .inf`), it says so.
 */
export const jsonNumbers: CallRule = {
  name: 'json-numbers',
  kind: 'structural',
  check: (entry: CallEntry) =>
    optionNumberProblems(
      entry.merged,
      [],
      (path) => siteIn(entry, path),
      entry.layers.some((layer) => layer.doc.writtenNumber !== undefined)
        ? (path) => writtenInLayers(entry.layers, path)
        : undefined,
    ),
};
