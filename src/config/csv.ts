import { CsvError, type Options, Parser } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import type { Diagnostic } from '../validate/diagnostic.js';

/**
 * A CSV with a header row (a campaign's recipients, a do-not-call list) read one record at a
 * time, none kept: the header, then each data row handed to the caller with where it was
 * written. Every problem of the file is a Diagnostic at its
 * file:line:column; the caller decides what a row means.
 */

/** Where one data row was written. */
export interface RowSite {
  /** 1-based line the row starts on. */
  readonly line: number;
  /** 1-based data-row number (the header not counted). */
  readonly index: number;
  /** The row's raw text, for locating a cell only when one is wrong. */
  readonly raw: string;
  /** Where `raw` starts in the text read (a string index), or -1 when it was not found there. */
  readonly start: number;
}

export interface CsvRead {
  /** The header's column names; empty when the file has none. */
  readonly header: readonly string[];
  /** The line of the header. */
  readonly headerLine: number;
  readonly diagnostics: readonly Diagnostic[];
  /** Data rows handed to `onRow` (ragged rows excluded). */
  readonly rows: number;
}

const error = (file: string, line: number, column: number, message: string): Diagnostic => ({
  file,
  line,
  column,
  path: '',
  message,
  severity: 'error',
});

/**
 * The 1-based line and column of each cell of a record written as `raw` starting at
 * `line` (quotes understood, so a comma or newline inside quotes is part of the cell).
 */
export const cellPositions = (
  raw: string,
  line: number,
  delimiter = ',',
): { readonly line: number; readonly column: number }[] => {
  const out = [{ line, column: 1 }];
  let quoted = false;
  let l = line;
  let c = 1;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '\n') {
      l += 1;
      c = 0;
    } else if (ch === delimiter && !quoted) out.push({ line: l, column: c + 1 });
    c += 1;
  }
  return out;
};

/** The position of cell `index` of a row. */
export const cellSite = (row: RowSite, index: number): { line: number; column: number } =>
  cellPositions(row.raw, row.line)[index] ?? { line: row.line, column: 1 };

/**
 * Where the record `raw` starts in `text`, reading on from `from`: there, or after the empty
 * lines (and the BOM) csv-parse skipped; -1 when not found so near (never a search of the rest).
 */
const recordStart = (text: string, raw: string, from: number): number => {
  let at = from;
  for (;;) {
    if (text.startsWith(raw, at)) return at;
    const ch = text.charCodeAt(at);
    if (ch !== 10 && ch !== 13 && ch !== 0xfeff) return -1;
    at += 1;
  }
};

/** A record as csv-parse gives it with `raw`: its cells and its text. */
interface RawRecord {
  readonly record: string[];
  readonly raw: string;
}

/**
 * Runs csv-parse over `text`, handing each record over with the parser's line count at that
 * moment, synchronously. The parser's own push is used (as its sync API does), not
 * `on_record`: csv-parse builds a fresh info object per record for `on_record`, objects V8
 * keeps in old space, which made a large file's reading grow the heap by ~0.3 KiB a row.
 * When a csv-parse release no longer has that push, the sync API with `on_record` is used.
 */
const eachRecord = (
  text: string,
  options: Options,
  chunkChars: number,
  emit: (given: RawRecord, lines: number) => void,
): void => {
  const parser = new Parser(options);
  const api = (
    parser as unknown as {
      readonly api?: {
        readonly parse?: (
          buf: Buffer,
          end: boolean,
          push: (record: RawRecord) => void,
          close: () => void,
        ) => Error | undefined;
      };
    }
  ).api;
  if (typeof api?.parse === 'function') {
    const info = parser.info;
    const push = (given: RawRecord) => emit(given, info.lines);
    // The text is handed over in pieces, as a stream would be: each piece's bytes are let go
    // at once instead of a copy of the whole file living as long as the reading.
    let at = 0;
    do {
      let end = Math.min(text.length, at + chunkChars);
      // Never between the two halves of a surrogate pair.
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += end - at > 1 ? -1 : 1;
      const error = api.parse(
        Buffer.from(text.slice(at, end)),
        end === text.length,
        push,
        () => undefined,
      );
      if (error !== undefined) throw error;
      at = end;
    } while (at < text.length);
    return;
  }
  parse(text, {
    ...options,
    on_record: (given, context) => {
      emit(given as unknown as RawRecord, context.lines);
      return undefined;
    },
  });
};

/** Characters handed to csv-parse at a time. */
export const CSV_CHUNK_CHARS = 64 * 1024;

const newlines = (text: string): number => {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
};

/**
 * Reads `text` (the CSV file `file`): a header row, then data rows. A BOM is dropped and
 * CRLF line ends are read like LF. Empty lines are ignored. Problems: an empty file, a
 * header with an empty or repeated name, a row with more or fewer cells than the header,
 * and CSV syntax (an unclosed quote…), which stops the reading at that place.
 */
export const readCsv = (
  file: string,
  text: string,
  onRow: (cells: readonly string[], site: RowSite) => void,
  /** Called once the header is read (before any row). */
  onHeader?: (header: readonly string[], line: number) => void,
  /** What an empty file is told: what its header should name. */
  emptyMessage = 'the file is empty: a recipients CSV needs a header row naming its columns, then one row per recipient',
  /** How many characters are handed to csv-parse at a time. */
  chunkChars: number = CSV_CHUNK_CHARS,
): CsvRead => {
  const diagnostics: Diagnostic[] = [];
  let header: string[] = [];
  let headerLine = 0;
  let seenHeader = false;
  let rows = 0;
  let index = 0;
  // Where the next record starts in `text`.
  let cursor = 0;
  try {
    const options = { bom: true, raw: true, relax_column_count: true, skip_empty_lines: true };
    eachRecord(text, options, chunkChars, (given, lines) => {
      const cells = given.record;
      // The raw text ends with the record delimiter (not with the file's last record).
      const raw = given.raw.replace(/\r?\n$|\r$/, '');
      const line = lines - newlines(raw);
      const start = recordStart(text, raw, cursor);
      if (start >= 0) cursor = start + raw.length;
      if (!seenHeader) {
        seenHeader = true;
        headerLine = line;
        header = cells;
        const seen = new Map<string, number>();
        const positions = cellPositions(raw, line);
        cells.forEach((name, i) => {
          const at = positions[i] ?? { line, column: 1 };
          if (name.trim() === '') {
            diagnostics.push(
              error(file, at.line, at.column, `column ${i + 1} of the header has no name`),
            );
            return;
          }
          const first = seen.get(name);
          if (first !== undefined) {
            diagnostics.push(
              error(
                file,
                at.line,
                at.column,
                `column \`${name}\` appears twice in the header (first as column ${first + 1})`,
              ),
            );
          } else seen.set(name, i);
        });
        if (cells.length === 1 && (cells[0] ?? '').includes('\t')) {
          diagnostics.push(
            error(
              file,
              line,
              1,
              'the header has one column holding tabs: callops reads comma-separated files (save it as CSV, not tab-separated)',
            ),
          );
        }
        onHeader?.(header, line);
        return undefined;
      }
      index += 1;
      const site: RowSite = { line, index, raw, start };
      if (cells.length !== header.length) {
        const at =
          cells.length > header.length
            ? (cellPositions(raw, line)[header.length] ?? { line, column: 1 })
            : { line, column: raw.replace(/\r$/, '').length + 1 };
        diagnostics.push(
          error(
            file,
            at.line,
            at.column,
            `row has ${cells.length} cell${cells.length === 1 ? '' : 's'}, the header ${header.length} (${header.join(', ')})`,
          ),
        );
        return undefined;
      }
      rows += 1;
      onRow(cells, site);
      return undefined;
    });
  } catch (caught) {
    if (!(caught instanceof CsvError)) throw caught;
    const at = caught as CsvError & { lines?: number; column?: number };
    const message = caught.message.replace(/^[^:]*:\s*/, '').replace(/ at line \d+.*$/, '');
    diagnostics.push(error(file, at.lines ?? 1, 1, `not a readable CSV: ${message}`));
  }
  if (!seenHeader && diagnostics.length === 0) {
    diagnostics.push(error(file, 1, 1, emptyMessage));
  }
  return { header, headerLine, diagnostics, rows };
};
