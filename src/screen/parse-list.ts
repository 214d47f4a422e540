import { cellSite, readCsv } from '../config/csv.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { type Listed, MIN_TAIL_DIGITS, type SuppressList, significantDigits } from './list.js';
import { normaliseNumber, numberSlip } from './number.js';

/** What a list's numbers written without `+` are told, once, at the first of them. */
const withoutPlusWarning = (count: number): string =>
  `${count === 1 ? '1 number has' : `${count} numbers have`} no leading + (the first here): ` +
  `each is matched by its last digits, leading zeros dropped: it holds back a number called ` +
  `whose digits end in its own (as the same number with + and its country code does) or ` +
  `whose digits its own end in (as when it is written after a prefix such as 011); write + ` +
  `and the country code to match one number only`;

/** The digits a number written with `+` has, as a call's number has (E.164: at most 15). */
const PLUS_DIGITS = { min: 3, max: 15 } as const;

/**
 * The most digits a number written without `+` has: an international prefix (00, or 011 from
 * North America) and the 15 digits of the longest number (E.164). More is two numbers in one
 * cell, or a number and an extension: read as one, its end would hold back only the last.
 */
const BARE_MAX_DIGITS = 18;

/** A character a number may hold besides digits and white space: `+` first, then `( ) . -`. */
const NUMBER_TEXT = /^\+?[\d\s().-]+$/;

/** The first character of `text` that NUMBER_TEXT refuses, named when it does not show as itself. */
const strayCharacter = (text: string): string | undefined => {
  for (const [i, ch] of [...text].entries()) {
    if (/[\d\s().-]/.test(ch) || (ch === '+' && i === 0)) continue;
    const code = ch.codePointAt(0) ?? 0;
    return code > 0x20 && code < 0x7f
      ? undefined
      : `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  }
  return undefined;
};

/**
 * A cell of the `number` column as the number it lists (normalised), or why it lists none it
 * could match: empty, a number a spreadsheet wrote or with a prefix in it (`numberSlip`), not
 * a number's characters (letters of an extension, a dash or digit from another script: one
 * that is not ASCII is named), more or fewer digits after `+` than a call's number can
 * have, or a number without `+` too short to be matched by its end or longer than any number
 * written after an international prefix (two numbers in one cell).
 */
const readCell = (cell: string): { readonly number: string } | { readonly problem: string } => {
  const trimmed = cell.trim();
  if (trimmed === '') return { problem: 'the number is empty' };
  // First: a spreadsheet's decimal comma (`"15550100001,0"`) is said to be one.
  const slip = numberSlip(trimmed);
  if (slip !== undefined) return { problem: slip };
  const number = normaliseNumber(trimmed);
  if (number === undefined || !NUMBER_TEXT.test(trimmed)) {
    const stray = strayCharacter(trimmed);
    return {
      problem: `not a phone number: write digits, optionally with a leading +${stray === undefined ? '' : `: ${stray} here is not a digit, a space or one of ( ) . -`}`,
    };
  }
  if (number.startsWith('+')) {
    const count = number.length - 1;
    if (count > PLUS_DIGITS.max)
      return {
        problem: `\`${trimmed}\` has ${count} digits after the +: no number has more than ${PLUS_DIGITS.max} (E.164), so no call could match it; write one number alone, without an extension`,
      };
    if (count < PLUS_DIGITS.min)
      return {
        problem: `\`${trimmed}\` has ${count} digit${count === 1 ? '' : 's'} after the +: a call's number has ${PLUS_DIGITS.min} to ${PLUS_DIGITS.max}, so no call could match it; write + and the whole number`,
      };
    return { number };
  }
  if (number.length > BARE_MAX_DIGITS)
    return {
      problem: `\`${trimmed}\` has ${number.length} digits: more than any number has, even after an international prefix (00 or 011 and at most 15 digits: ${BARE_MAX_DIGITS}), so it cannot be one number (read as one, its last digits would hold back only the last number in it); write one number alone (a row each), without an extension`,
    };
  return significantDigits(number).length < MIN_TAIL_DIGITS
    ? {
        problem: `a number without a leading + needs at least ${MIN_TAIL_DIGITS} digits (leading zeros not counted) to be matched by its last digits: write it with + and the country code`,
      }
    : { number };
};

/**
 * A do-not-call list (pure): CSV with a header row holding a `number` column and optionally
 * a `reason` column; other columns are ignored. Read as a recipients CSV is (src/config/csv.ts:
 * the same header, row-shape and syntax checks); every problem is a Diagnostic at the list's
 * file:line:column, all row problems at once. Numbers written with and without `+` are kept
 * apart (they match by different rules, see `listedIn`); those without are one warning.
 */
export const parseSuppressList = (
  text: string,
  file: string,
):
  | { readonly list: SuppressList; readonly warnings: readonly Diagnostic[] }
  | { readonly diagnostics: readonly Diagnostic[] } => {
  const diagnostics: Diagnostic[] = [];
  const withPlus = new Map<string, Listed>();
  const withoutPlus = new Map<string, Listed>();
  let bare = 0;
  let firstBare: { line: number; column: number } | undefined;
  let numberAt = -1;
  let reasonAt = -1;
  const read = readCsv(
    file,
    text,
    (cells, site) => {
      if (numberAt < 0) return;
      const cell = cells[numberAt] ?? '';
      // A number that cannot match what it seems to be is refused, not listed to no effect.
      const entry = readCell(cell);
      if ('problem' in entry) {
        const at = cellSite(site, numberAt);
        diagnostics.push({
          file,
          line: at.line,
          column: at.column,
          path: '',
          message: entry.problem,
          severity: 'error',
        });
        return;
      }
      const { number } = entry;
      const plus = number.startsWith('+');
      const key = plus ? number.slice(1) : significantDigits(number);
      if (!plus) {
        bare += 1;
        firstBare ??= cellSite(site, numberAt);
      }
      const numbers = plus ? withPlus : withoutPlus;
      const reason = reasonAt < 0 ? undefined : cells[reasonAt]?.trim();
      if (!numbers.has(key))
        numbers.set(key, {
          file,
          line: site.line,
          ...(reason === undefined || reason === '' ? {} : { reason }),
        });
    },
    (header, line) => {
      const names = header.map((n) => n.trim());
      numberAt = names.indexOf('number');
      reasonAt = names.indexOf('reason');
      if (numberAt < 0)
        diagnostics.push({
          file,
          line,
          column: 1,
          path: '',
          message: `the header has no \`number\` column (columns: ${names.join(', ')})`,
          severity: 'error',
        });
    },
    'the list is empty: write a header row with a `number` column',
  );
  const all = [...read.diagnostics, ...diagnostics].sort(
    (a, b) => a.line - b.line || a.column - b.column,
  );
  if (all.length > 0) return { diagnostics: all };
  const warnings: Diagnostic[] =
    firstBare === undefined
      ? []
      : [{ file, ...firstBare, path: '', message: withoutPlusWarning(bare), severity: 'warning' }];
  return { list: { file, withPlus, withoutPlus }, warnings };
};
