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
      const number = normaliseNumber(cell);
      // A number that cannot match what it seems to be is refused, not listed to no effect.
      const slip = numberSlip(cell);
      if (slip !== undefined || number === undefined || !/^\+?[\d\s().-]+$/.test(cell.trim())) {
        const at = cellSite(site, numberAt);
        diagnostics.push({
          file,
          line: at.line,
          column: at.column,
          path: '',
          message:
            slip ??
            (cell.trim() === ''
              ? 'the number is empty'
              : 'not a phone number: write digits, optionally with a leading +'),
          severity: 'error',
        });
        return;
      }
      const plus = number.startsWith('+');
      const key = plus ? number.slice(1) : significantDigits(number);
      if (!plus && key.length < MIN_TAIL_DIGITS) {
        const at = cellSite(site, numberAt);
        diagnostics.push({
          file,
          line: at.line,
          column: at.column,
          path: '',
          message: `a number without a leading + needs at least ${MIN_TAIL_DIGITS} digits (leading zeros not counted) to be matched by its last digits: write it with + and the country code`,
          severity: 'error',
        });
        return;
      }
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
