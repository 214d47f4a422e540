import { cellSite, readCsv } from '../config/csv.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { Listed, SuppressList } from './list.js';
import { normaliseNumber } from './number.js';

/**
 * A do-not-call list (pure): CSV with a header row holding a `number` column and optionally
 * a `reason` column; other columns are ignored. Read as a recipients CSV is (src/config/csv.ts:
 * the same header, row-shape and syntax checks); every problem is a Diagnostic at the list's
 * file:line:column, all row problems at once.
 */
export const parseSuppressList = (
  text: string,
  file: string,
): { readonly list: SuppressList } | { readonly diagnostics: readonly Diagnostic[] } => {
  const diagnostics: Diagnostic[] = [];
  const numbers = new Map<string, Listed>();
  let numberAt = -1;
  let reasonAt = -1;
  const read = readCsv(
    file,
    text,
    (cells, site) => {
      if (numberAt < 0) return;
      const cell = cells[numberAt] ?? '';
      const number = normaliseNumber(cell);
      if (number === undefined || !/^\+?[\d\s().-]+$/.test(cell.trim())) {
        const at = cellSite(site, numberAt);
        diagnostics.push({
          file,
          line: at.line,
          column: at.column,
          path: '',
          message:
            cell.trim() === ''
              ? 'the number is empty'
              : 'not a phone number: write digits, optionally with a leading +',
          severity: 'error',
        });
        return;
      }
      const reason = reasonAt < 0 ? undefined : cells[reasonAt]?.trim();
      if (!numbers.has(number))
        numbers.set(number, {
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
  return all.length > 0 ? { diagnostics: all } : { list: { file, numbers } };
};
