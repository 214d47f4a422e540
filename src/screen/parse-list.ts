import { CsvError, parse } from 'csv-parse/sync';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { Listed, SuppressList } from './list.js';
import { normaliseNumber } from './number.js';

const at = (file: string, line: number, column: number, message: string): Diagnostic => ({
  file,
  line,
  column,
  path: '',
  message,
  severity: 'error',
});

/** 1-based columns at which each field of a record's first line starts (quotes respected). */
const fieldColumns = (raw: string): number[] => {
  const starts = [1];
  let quoted = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) starts.push(i + 2);
    else if ((c === '\n' || c === '\r') && !quoted) break;
  }
  return starts;
};

interface Row {
  readonly record: string[];
  readonly info: { readonly lines: number };
  readonly raw: string;
}

/**
 * A do-not-call list (pure): CSV with a header row holding a `number` column and optionally
 * a `reason` column; other columns are ignored. Every problem is a Diagnostic at the list's
 * file:line:column (all row problems at once; a CSV syntax error stops the reading there).
 */
export const parseSuppressList = (
  text: string,
  file: string,
): { readonly list: SuppressList } | { readonly diagnostics: readonly Diagnostic[] } => {
  let rows: Row[];
  try {
    rows = parse(text, {
      bom: true,
      info: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as Row[];
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines ?? 1;
    return {
      diagnostics: [
        at(
          file,
          line,
          1,
          `not a CSV list: ${error.message.replace(/ at line \d+.*$| on line \d+$/, '')}`,
        ),
      ],
    };
  }
  const [header, ...records] = rows;
  if (header === undefined) {
    return {
      diagnostics: [at(file, 1, 1, 'the list is empty: write a header row with a `number` column')],
    };
  }
  const names = header.record.map((n) => n.trim());
  const headerLine = header.info.lines;
  const headerColumns = fieldColumns(header.raw);
  const diagnostics: Diagnostic[] = [];
  names.forEach((name, index) => {
    const first = names.indexOf(name);
    if (first !== index)
      diagnostics.push(
        at(
          file,
          headerLine,
          headerColumns[index] ?? 1,
          `duplicate column \`${name}\` in the header`,
        ),
      );
  });
  const numberAt = names.indexOf('number');
  const reasonAt = names.indexOf('reason');
  if (numberAt < 0) {
    diagnostics.push(
      at(file, headerLine, 1, `the header has no \`number\` column (columns: ${names.join(', ')})`),
    );
    return { diagnostics };
  }
  const numbers = new Map<string, Listed>();
  for (const row of records) {
    const line =
      row.info.lines - (row.raw.match(/\n/g)?.length ?? 0) + (row.raw.endsWith('\n') ? 1 : 0);
    const columns = fieldColumns(row.raw);
    if (row.record.length !== names.length) {
      diagnostics.push(
        at(
          file,
          line,
          columns[Math.min(row.record.length, names.length)] ?? 1,
          `${row.record.length} field${row.record.length === 1 ? '' : 's'}, but the header has ${names.length}`,
        ),
      );
      continue;
    }
    const cell = row.record[numberAt] ?? '';
    const number = normaliseNumber(cell);
    if (number === undefined || !/^\+?[\d\s().-]+$/.test(cell.trim())) {
      diagnostics.push(
        at(
          file,
          line,
          columns[numberAt] ?? 1,
          cell.trim() === ''
            ? 'the number is empty'
            : 'not a phone number: write digits, optionally with a leading +',
        ),
      );
      continue;
    }
    const reason = reasonAt < 0 ? undefined : row.record[reasonAt]?.trim();
    if (!numbers.has(number))
      numbers.set(number, {
        file,
        line,
        ...(reason === undefined || reason === '' ? {} : { reason }),
      });
  }
  return diagnostics.length > 0 ? { diagnostics } : { list: { file, numbers } };
};
