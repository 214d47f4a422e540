import { CsvError, type Options, Parser } from 'csv-parse';
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
  /** Where the row's bytes start in the input (UTF-8 bytes; empty lines and BOM before it skipped). */
  readonly start: number;
  /** Where they end (its line end not included). */
  readonly end: number;
  /** FNV-1a of those bytes (bytesHash). */
  readonly hash: number;
  /** Whether they hold a quote, CR or LF: else the row's cells are its text split at commas. */
  readonly special: boolean;
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
  walkRecord(raw, line, (ch, l, c, quoted) => {
    if (ch === delimiter && !quoted) out.push({ line: l, column: c + 1 });
  });
  return out;
};

/** The 1-based line and column just past the last character of a record written as `raw` at `line`. */
export const recordEnd = (raw: string, line: number): { line: number; column: number } =>
  walkRecord(raw, line, () => undefined);

/**
 * Steps through `raw` (a record's text starting at `line`, column 1), handing each character
 * over with its line, column and whether it is inside quotes; where the text ends. A line ends
 * at LF, CRLF (one line end, as an editor shows it) or a lone CR.
 */
const walkRecord = (
  raw: string,
  line: number,
  each: (ch: string, line: number, column: number, quoted: boolean) => void,
): { line: number; column: number } => {
  let quoted = false;
  let l = line;
  let c = 1;
  for (let i = 0; i < raw.length; i += 1) {
    const ch = raw[i] as string;
    if (ch === '\n' || (ch === '\r' && raw[i + 1] !== '\n')) {
      l += 1;
      c = 1;
      continue;
    }
    if (ch === '"') quoted = !quoted;
    each(ch, l, c, quoted);
    c += 1;
  }
  return { line: l, column: c };
};

/** The position of cell `index` of a row. */
export const cellSite = (row: RowSite, index: number): { line: number; column: number } =>
  cellPositions(row.raw, row.line)[index] ?? { line: row.line, column: 1 };

/** A record as csv-parse gives it with `raw`: its cells and its text. */
interface RawRecord {
  readonly record: string[];
  readonly raw: string;
}

/** Where a record's bytes are in the input, and what they are. */
interface RecordBytes {
  /** Its first byte (after the empty lines and the BOM skipped before it). */
  readonly start: number;
  /** After its last byte (its line end not included). */
  readonly end: number;
  /** FNV-1a of its bytes. */
  readonly hash: number;
  /** Whether its bytes hold a quote, CR or LF (else its cells are its text split at commas). */
  readonly special: boolean;
  /** The empty lines skipped before it. */
  readonly blankLines: number;
  /** The line ends from where it was looked for to after its own line end (each CRLF one). */
  readonly lineEnds: number;
}

/**
 * The pieces of input handed to the parser and not yet read past: the bytes of the records it
 * hands over, located by the parser's byte count, without a copy of the whole input.
 */
class HeldBytes {
  readonly #pieces: Buffer[] = [];
  /** The offset of the first held piece in the input. */
  #first = 0;
  #held = 0;

  add(piece: Buffer): void {
    this.#pieces.push(piece);
    this.#held += piece.length;
  }

  /**
   * Keeps a copy of the bytes from `offset` on (the start of a record not read to its end)
   * and lets go of the pieces: the source may then fill them again.
   */
  keepFrom(offset: number): void {
    const end = this.#first + this.#held;
    const from = Math.max(offset, this.#first);
    const tail = Buffer.allocUnsafeSlow(end - from);
    let base = this.#first;
    let at = 0;
    for (const piece of this.#pieces) {
      const lo = Math.max(from - base, 0);
      if (lo < piece.length) at += piece.copy(tail, at, lo);
      base += piece.length;
    }
    this.#pieces.length = 0;
    this.#first = from;
    this.#held = 0;
    if (tail.length > 0) this.add(tail);
  }

  /** The byte at `offset` (-1 past the held ones). */
  at(offset: number): number {
    let base = this.#first;
    for (const piece of this.#pieces) {
      if (offset < base + piece.length)
        return offset < base ? -1 : (piece[offset - base] as number);
      base += piece.length;
    }
    return -1;
  }

  /** The record whose bytes run from `from` (its start after skipped empty lines) to `end`. */
  record(from: number, end: number, bom: boolean): RecordBytes {
    let start = from;
    if (bom && start === 0 && this.at(0) === 0xef && this.at(1) === 0xbb && this.at(2) === 0xbf) {
      start = 3;
    }
    // A line ends at LF, CRLF or a lone CR: a CR counts, an LF only when no CR is before it.
    let blankLines = 0;
    let before = -1;
    for (let b = this.at(start); (b === 10 || b === 13) && start < end; b = this.at(start)) {
      if (b === 13 || before !== 13) blankLines += 1;
      before = b;
      start += 1;
    }
    // Its line end: LF, CRLF or CR (none at the end of the input).
    let stop = end;
    if (stop > start && this.at(stop - 1) === 10) stop -= 1;
    if (stop > start && this.at(stop - 1) === 13) stop -= 1;
    let hash = 0x811c9dc5;
    let special = false;
    let lineEnds = blankLines + (stop < end ? 1 : 0);
    let base = this.#first;
    for (const piece of this.#pieces) {
      const lo = Math.max(start - base, 0);
      const hi = Math.min(stop - base, piece.length);
      for (let i = lo; i < hi; i += 1) {
        const b = piece[i] as number;
        if (b === 34 || b === 13 || b === 10) {
          special = true;
          if (b === 13 || (b === 10 && before !== 13)) lineEnds += 1;
        }
        before = b;
        hash = Math.imul(hash ^ b, 0x01000193);
      }
      base += piece.length;
    }
    return { start, end: stop, hash: hash | 0, special, blankLines, lineEnds };
  }

  /**
   * The line ends from `from` to where csv-parse stopped with an error, given the lines it
   * counted there since `from`: it counts the CR and the LF of a CRLF inside quotes as two
   * lines (and every CRLF elsewhere as one), so its count is walked back to the file's lines.
   */
  lineEndsTo(from: number, parserLines: number): number {
    let counted = 0;
    let lineEnds = 0;
    let quoted = false;
    for (let at = from; counted < parserLines; at += 1) {
      const b = this.at(at);
      if (b < 0) break;
      if (b === 34) quoted = !quoted;
      else if (b === 10) {
        counted += 1;
        lineEnds += 1;
      } else if (b === 13) {
        counted += 1;
        if (this.at(at + 1) !== 10) lineEnds += 1;
        // A CRLF outside quotes is one line end to csv-parse too; inside, its LF counts again.
        else if (!quoted) {
          lineEnds += 1;
          at += 1;
        }
      }
    }
    return lineEnds;
  }
}

/** FNV-1a of bytes, as the reader computes it for a record. */
export const bytesHash = (bytes: Uint8Array): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i += 1)
    hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  return hash | 0;
};

/** The input `text` as pieces of UTF-8 of about `chunkChars` characters each. */
function* textPieces(text: string, chunkChars: number): Generator<Buffer> {
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + chunkChars);
    // Never between the two halves of a surrogate pair.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end += end - at > 1 ? -1 : 1;
    yield Buffer.from(text.slice(at, end));
    at = end;
  }
}

/**
 * Where a CSV syntax error is, from the text csv-parse read of the record (`raw`, from the
 * line the record starts on, blank lines before it included): the character after a closing
 * quote that something other than a delimiter follows, a quote inside an unquoted cell, the
 * quote that opens a cell never closed. Undefined for any other error.
 */
const syntaxSite = (
  error: CsvError,
  from: number,
): { line: number; column: number } | undefined => {
  const text = (error as { raw?: unknown }).raw;
  if (typeof text !== 'string' || text === '') return undefined;
  // Each blank line before the record left one character of its line end in the text (the
  // CR of a CRLF alone): one line each, though a CR and the LF of the next may look like a CRLF.
  const blank = /^[\r\n]*/.exec(text)?.[0].length ?? 0;
  const raw = text.slice(blank);
  const line = from + blank;
  if (raw === '') return undefined;
  if (error.code === 'CSV_INVALID_CLOSING_QUOTE') return recordEnd(raw, line);
  let last: { line: number; column: number } | undefined;
  let open: { line: number; column: number } | undefined;
  let previous = '';
  walkRecord(raw, line, (ch, l, c, quoted) => {
    last = { line: l, column: c };
    // The quote that opens a cell, not the second of a doubled quote inside one.
    if (ch === '"' && quoted && previous !== '"') open = last;
    previous = ch;
  });
  if (error.code === 'INVALID_OPENING_QUOTE') return last;
  if (error.code === 'CSV_QUOTE_NOT_CLOSED') return open;
  return undefined;
};

/** What a CSV syntax error means, in words about the place syntaxSite points at. */
const syntaxMessage = (error: CsvError): string => {
  const got = /got ("[^"]*"|'[^']*')/.exec(error.message)?.[1];
  switch (error.code) {
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `a closing quote must be followed by a comma or the end of the line${got ? `, got ${got}` : ''} (inside a quoted cell, write a quote as "")`;
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'this quote opens a cell that is never closed';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside a cell that does not start with one (quote the whole cell, and write this quote as "")';
    default:
      return error.message.replace(/^[^:]*:\s*/, '').replace(/ at line \d+.*$/, '');
  }
};

/** A CSV syntax error (an unclosed quote…) and where it is in the file. */
class CsvSyntax extends Error {
  readonly line: number;
  readonly column: number;
  constructor(error: CsvError, at: { line: number; column: number }) {
    super(syntaxMessage(error));
    this.line = at.line;
    this.column = at.column;
  }
}

/**
 * Runs csv-parse over the pieces of input, handing each record over with the line it starts
 * on and where its bytes are, synchronously. Lines are counted here, from the bytes: an LF, a
 * CRLF or a lone CR ends one (csv-parse counts a CRLF inside quotes as two). The parser's own push is used
 * (as its sync API does), not `on_record`: csv-parse builds a fresh info object per record for
 * `on_record`, objects V8 keeps in old space, which made a large file's reading grow the heap
 * by ~0.3 KiB a row. Each piece is let go once parsed (the start of a record it ends inside is
 * copied), so a source may hand over the same buffers again and again.
 */
const eachRecord = (
  pieces: Iterable<Buffer>,
  options: Options,
  emit: (given: RawRecord, line: number, bytes: RecordBytes) => void,
): void => {
  const parser = new Parser(options);
  const api = (
    parser as unknown as {
      readonly api?: {
        readonly parse?: (
          buf: Buffer | undefined,
          end: boolean,
          push: (record: RawRecord) => void,
          close: () => void,
        ) => Error | undefined;
      };
    }
  ).api;
  if (typeof api?.parse !== 'function') {
    throw new Error('csv-parse has no api.parse: this release of csv-parse is not supported');
  }
  const info = parser.info;
  const held = new HeldBytes();
  // Where the next record's bytes begin (after the last one's line end), the file's line
  // there, and csv-parse's line count there.
  let cursor = 0;
  let line = 1;
  let parserLine = 1;
  const push = (given: RawRecord) => {
    const end = info.bytes;
    const bytes = held.record(cursor, end, options.bom === true);
    cursor = end;
    emit(given, line + bytes.blankLines, bytes);
    line += bytes.lineEnds;
    // csv-parse counts the record's line end when it reads the next character.
    parserLine = info.lines + 1;
  };
  const located = (error: Error): Error =>
    error instanceof CsvError
      ? new CsvSyntax(
          error,
          syntaxSite(error, line) ?? {
            line: line + held.lineEndsTo(cursor, info.lines - parserLine),
            column: 1,
          },
        )
      : error;
  // csv-parse keeps the last bytes of a piece (a line end may follow) and joins them to the
  // next piece in a new buffer, one a piece, which V8 frees late: they are joined here instead,
  // in two buffers used in turn (the kept bytes are a view of the one used before).
  const state = (parser as unknown as { state?: { previousBuf?: Buffer } }).state;
  const joined: Buffer[] = [];
  for (const [turn, piece] of enumerate(pieces)) {
    held.add(piece);
    let given = piece;
    const kept = state?.previousBuf;
    if (state !== undefined && kept !== undefined && kept.length <= KEPT_BYTES) {
      joined[turn % 2] ??= Buffer.allocUnsafeSlow(piece.length + KEPT_BYTES);
      const into = joined[turn % 2] as Buffer;
      given =
        into.length < kept.length + piece.length
          ? Buffer.concat([kept, piece])
          : into.subarray(0, kept.copy(into, 0) + piece.copy(into, kept.length));
      state.previousBuf = undefined;
    }
    const error = api.parse(given, false, push, () => undefined);
    if (error !== undefined) throw located(error);
    held.keepFrom(cursor);
  }
  const error = api.parse(undefined, true, push, () => undefined);
  if (error !== undefined) throw located(error);
};

/** The most bytes of a piece csv-parse keeps for the next that are joined to it here. */
const KEPT_BYTES = 64;

function* enumerate<T>(items: Iterable<T>): Generator<[number, T]> {
  let i = 0;
  for (const item of items) {
    yield [i, item];
    i += 1;
  }
}

/**
 * What ends a record: a CRLF, an LF or a lone CR, each wherever it is (CRLF first, so it is
 * one line end). Left to itself csv-parse takes the first line end it meets as the file's
 * only one, and reads the others as part of a cell: a file whose header ends in LF and rows
 * in CRLF got a CR at the end of each row's last cell, and one whose header ends in CRLF
 * read its LF rows as one record.
 */
const RECORD_DELIMITERS = ['\r\n', '\n', '\r'];

/** Characters handed to csv-parse at a time. */
export const CSV_CHUNK_CHARS = 64 * 1024;

/**
 * Reads `input` (the CSV file `file`: its text, or its bytes in pieces): a header row, then
 * data rows. A BOM is dropped; an LF, a CRLF or a lone CR ends a line, in any mix. Empty lines
 * are ignored.
 * Problems: an empty file, a header with an empty or repeated name, a row with more or fewer
 * cells than the header, and CSV syntax (an unclosed quote…), which stops the reading at that
 * place.
 */
export const readCsv = (
  file: string,
  input: string | Iterable<Buffer>,
  onRow: (cells: readonly string[], site: RowSite) => void,
  /** Called once the header is read (before any row), with where each of its cells starts. */
  onHeader?: (
    header: readonly string[],
    line: number,
    positions: readonly { line: number; column: number }[],
  ) => void,
  /** What an empty file is told: what its header should name. */
  emptyMessage = 'the file is empty: a recipients CSV needs a header row naming its columns, then one row per recipient',
  /** How many characters of a text are handed to csv-parse at a time. */
  chunkChars: number = CSV_CHUNK_CHARS,
): CsvRead => {
  const diagnostics: Diagnostic[] = [];
  let header: string[] = [];
  let headerLine = 0;
  let seenHeader = false;
  let rows = 0;
  let index = 0;
  const pieces = typeof input === 'string' ? textPieces(input, chunkChars) : input;
  try {
    const options = {
      bom: true,
      raw: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: RECORD_DELIMITERS,
    };
    eachRecord(pieces, options, (given, line, bytes) => {
      const cells = given.record;
      // The raw text starts with the empty lines skipped before the record, and ends with its
      // line end (not with the file's last record).
      const raw = given.raw.replace(/^[\r\n]+/, '').replace(/\r?\n$|\r$/, '');
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
        onHeader?.(header, line, positions);
        return undefined;
      }
      index += 1;
      const site: RowSite = {
        line,
        index,
        raw,
        start: bytes.start,
        end: bytes.end,
        hash: bytes.hash,
        special: bytes.special,
      };
      if (cells.length !== header.length) {
        const at =
          cells.length > header.length
            ? (cellPositions(raw, line)[header.length] ?? { line, column: 1 })
            : recordEnd(raw, line);
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
    if (!(caught instanceof CsvSyntax)) throw caught;
    diagnostics.push(
      error(file, caught.line, caught.column, `not a readable CSV: ${caught.message}`),
    );
  }
  if (!seenHeader && diagnostics.length === 0) {
    diagnostics.push(error(file, 1, 1, emptyMessage));
  }
  return { header, headerLine, diagnostics, rows };
};
