import { bytesHash, type RowSite } from '../config/csv.js';
import { RecipientsChanged, type RowBytes } from '../config/recipients.js';
import { Numbers } from './lazy-list.js';

/**
 * The rows of one recipients CSV, kept as a few numbers a row in typed arrays (where its bytes
 * are in the file, how many, a hash of them; its line and data-row number only where they are
 * not the previous row's plus one) instead of its text or cells: a campaign's memory then
 * grows by ~10 bytes a row. A row's cells are read from the
 * file again when asked for (its bytes checked against the hash: a file changed since it was
 * read is an error naming it, never a row nobody validated), split at commas, or parsed again
 * when the row holds quotes or line breaks. A record whose cells the CSV reader gave otherwise
 * (an edge of its line-end rules) keeps them, so a cell is always exactly what it read.
 */
export class RowTable {
  readonly #file: string;
  readonly #bytes: RowBytes;
  readonly #starts = new Numbers();
  /** Byte lengths below 65535; a longer row's length is in #long. */
  readonly #lengths = new Numbers(16);
  readonly #long = new Map<number, number>();
  readonly #hashes = new Numbers();
  /** Where a row's line stops being its ordinal plus the last offset (lines are rarely other). */
  readonly #lineAt = new Numbers();
  readonly #lineOffset = new Numbers();
  /** The same for its data-row number (a ragged row is numbered but not added). */
  readonly #numberAt = new Numbers();
  readonly #numberOffset = new Numbers();
  /** Rows whose bytes hold a quote, CR or LF (ascending): their cells are parsed again, not split. */
  readonly #special = new Numbers();
  /** The cells of records that reading their bytes again would not give. */
  readonly #kept = new Map<number, readonly string[]>();
  #count = 0;
  /** The last row read again, and its cells (a row's getters ask one after another). */
  #last = -1;
  #lastCells: readonly string[] = [];

  constructor(file: string, bytes: RowBytes) {
    this.#file = file;
    this.#bytes = bytes;
  }

  get count(): number {
    return this.#count;
  }

  /** Adds a row read as `cells` at `site`; its ordinal. */
  add(cells: readonly string[], site: RowSite): number {
    const i = this.#count;
    const length = site.end - site.start;
    this.#starts.push(site.start);
    this.#lengths.push(Math.min(length, 0xffff));
    if (length >= 0xffff) this.#long.set(i, length);
    this.#hashes.push(site.hash);
    if (i === 0 || this.line(i - 1) + 1 !== site.line) {
      this.#lineAt.push(i);
      this.#lineOffset.push(site.line - i);
    }
    if (i === 0 || this.number(i - 1) + 1 !== site.index) {
      this.#numberAt.push(i);
      this.#numberOffset.push(site.index - i);
    }
    this.#count = i + 1;
    if (site.special) {
      this.#special.push(i);
      // Rare rows: the cells parsed again from the bytes must be the reader's.
      const again = this.#decode(i);
      if (again.length !== cells.length || again.some((cell, c) => cell !== cells[c])) {
        this.#kept.set(i, cells);
      }
    }
    return i;
  }

  /** The cells of row `i` read from its bytes. */
  #decode(i: number): readonly string[] {
    const start = this.#starts.at(i);
    const length = this.#long.get(i) ?? this.#lengths.at(i);
    const bytes = this.#bytes.read(start, start + length);
    if (bytesHash(bytes) !== this.#hashes.at(i)) {
      throw new RecipientsChanged(
        this.#file,
        `line ${this.line(i)} is no longer the row validated`,
      );
    }
    const text = bytes.toString('utf8');
    const special = this.#special.floor(i);
    if (special < 0 || this.#special.at(special) !== i) return text.split(',');
    return splitRecord(text);
  }

  /** The cells of row `i`. */
  cells(i: number): readonly string[] {
    if (i === this.#last) return this.#lastCells;
    const cells = this.#kept.get(i) ?? this.#decode(i);
    this.#last = i;
    this.#lastCells = cells;
    return cells;
  }

  /** Cell `column` of row `i` ('' past the last). */
  cell(i: number, column: number): string {
    return this.cells(i)[column] ?? '';
  }

  /** The line row `i` starts on. */
  line(i: number): number {
    return i + this.#lineOffset.at(this.#lineAt.floor(i));
  }

  /** The 1-based data-row number of row `i` (its id when the CSV has no `id` column). */
  number(i: number): number {
    return i + this.#numberOffset.at(this.#numberAt.floor(i));
  }
}

/**
 * The cells of one CSV record's text with quotes (RFC 4180: a quoted cell may hold commas,
 * line breaks and doubled quotes). What a malformed record gives does not matter: a row's
 * cells are checked against the CSV reader's when the row is added, and kept when they differ.
 */
export const splitRecord = (text: string): string[] => {
  const cells: string[] = [];
  let at = 0;
  for (;;) {
    let cell = '';
    if (text.charCodeAt(at) === 34) {
      at += 1;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) {
          cell += text.slice(at);
          at = text.length;
          break;
        }
        cell += text.slice(at, quote);
        at = quote + 1;
        if (text.charCodeAt(at) !== 34) break;
        cell += '"';
        at += 1;
      }
    }
    const comma = text.indexOf(',', at);
    if (comma < 0) {
      cells.push(cell + text.slice(at));
      return cells;
    }
    cells.push(cell + text.slice(at, comma));
    at = comma + 1;
  }
};

/** FNV-1a of a string's UTF-16 code units. */
const hashOf = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
};

/**
 * The ids of a table's rows, for the check that each is used once, without a string kept per
 * row: an open-addressing table of row ordinals keyed by the id's hash (typed arrays), the id
 * itself read back from the row's cell when hashes agree. Keyed by another text of a row (the
 * number it dials), it finds the first row that has it as well.
 */
export class RowIds {
  readonly #keyOf: (ordinal: number) => string;
  /** Row ordinal + 1 per slot; 0 is an empty slot. */
  #slots: Int32Array;
  #hashes: Int32Array;
  #count = 0;

  readonly #expected: () => number;

  /**
   * `expected`: how many ids there will be, as far as can be told so far (the file's size over
   * the bytes a row took until now): a table that must grow grows to that at once, instead of
   * doubling through sizes that are garbage as soon as made.
   */
  constructor(
    table: RowTable,
    column: number | ((ordinal: number) => string),
    expected: () => number = () => 0,
  ) {
    this.#keyOf = typeof column === 'number' ? (i) => table.cell(i, column) : column;
    this.#expected = expected;
    this.#slots = new Int32Array(1024);
    this.#hashes = new Int32Array(1024);
  }

  /** The ordinal of the first row whose id is `id`; -1 when there is none. */
  find(id: string): number {
    const hash = hashOf(id);
    const mask = this.#slots.length - 1;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const held = this.#slots[at] as number;
      if (held === 0) return -1;
      if (this.#hashes[at] === hash && this.#keyOf(held - 1) === id) return held - 1;
    }
  }

  /** The ordinal of the first row whose id is `id`; when there is none, -1, and row `ordinal` is recorded as it. */
  firstOrAdd(id: string, ordinal: number): number {
    const hash = hashOf(id);
    const mask = this.#slots.length - 1;
    let at = hash & mask;
    for (;;) {
      const held = this.#slots[at] as number;
      if (held === 0) break;
      if (this.#hashes[at] === hash && this.#keyOf(held - 1) === id) return held - 1;
      at = (at + 1) & mask;
    }
    this.#slots[at] = ordinal + 1;
    this.#hashes[at] = hash;
    this.#count += 1;
    // At most three quarters full (a probe then takes a few steps).
    if (this.#count * 4 > this.#slots.length * 3) this.#grow();
    return -1;
  }

  #grow(): void {
    const slots = this.#slots;
    const hashes = this.#hashes;
    let size = slots.length * 2;
    // A guess is trusted up to 16 times the ids so far (a file of a few long rows first).
    const expected = Math.min(this.#expected(), this.#count * 16);
    while (size * 3 < expected * 4) size *= 2;
    this.#slots = new Int32Array(size);
    this.#hashes = new Int32Array(size);
    const mask = this.#slots.length - 1;
    for (let i = 0; i < slots.length; i += 1) {
      const held = slots[i] as number;
      if (held === 0) continue;
      const hash = hashes[i] as number;
      let at = hash & mask;
      while (this.#slots[at] !== 0) at = (at + 1) & mask;
      this.#slots[at] = held;
      this.#hashes[at] = hash;
    }
  }
}
