import { parse } from 'csv-parse/sync';
import { bytesHash, type RowSite } from '../config/csv.js';
import { RecipientsChanged, type RowBytes } from '../config/recipients.js';

/**
 * The rows of one recipients CSV, kept as a few numbers a row in typed arrays (where its bytes
 * are in the file, a hash of them, its line, its data-row number) instead of its text or
 * cells: a campaign's memory then grows by ~20 bytes a row. A row's cells are read from the
 * file again when asked for (its bytes checked against the hash: a file changed since it was
 * read is an error naming it, never a row nobody validated), split at commas, or parsed again
 * when the row holds quotes or line breaks. A record whose cells the CSV reader gave otherwise
 * (an edge of its line-end rules) keeps them, so a cell is always exactly what it read.
 */
export class RowTable {
  readonly #file: string;
  readonly #bytes: RowBytes;
  #starts: Int32Array;
  #ends: Int32Array;
  #hashes: Int32Array;
  #lines: Int32Array;
  #numbers: Int32Array;
  /** Rows whose bytes hold a quote, CR or LF: their cells are parsed again, not split. */
  readonly #special = new Set<number>();
  /** The cells of records that reading their bytes again would not give. */
  readonly #kept = new Map<number, readonly string[]>();
  #count = 0;
  /** The last row read again, and its cells (a row's getters ask one after another). */
  #last = -1;
  #lastCells: readonly string[] = [];

  constructor(file: string, bytes: RowBytes, room = 1024) {
    this.#file = file;
    this.#bytes = bytes;
    this.#starts = new Int32Array(room);
    this.#ends = new Int32Array(room);
    this.#hashes = new Int32Array(room);
    this.#lines = new Int32Array(room);
    this.#numbers = new Int32Array(room);
  }

  /** How many rows the table has room for without growing. */
  get room(): number {
    return this.#starts.length;
  }

  get count(): number {
    return this.#count;
  }

  /** Adds a row read as `cells` at `site`; its ordinal. */
  add(cells: readonly string[], site: RowSite): number {
    const i = this.#count;
    if (i === this.#starts.length) this.#grow(i * 2);
    this.#starts[i] = site.start;
    this.#ends[i] = site.end;
    this.#hashes[i] = site.hash;
    this.#lines[i] = site.line;
    this.#numbers[i] = site.index;
    this.#count = i + 1;
    if (site.special) {
      this.#special.add(i);
      // Rare rows: the cells parsed again from the bytes must be the reader's.
      const again = this.#decode(i);
      if (again.length !== cells.length || again.some((cell, c) => cell !== cells[c])) {
        this.#kept.set(i, cells);
      }
    }
    return i;
  }

  /** Frees the room reserved for rows not read (once every row is added). */
  trim(): void {
    if (this.#count < this.#starts.length) this.#grow(this.#count);
  }

  #grow(size: number): void {
    const copy = (from: Int32Array) => {
      const to = new Int32Array(size);
      to.set(from.subarray(0, Math.min(size, this.#count)));
      return to;
    };
    this.#starts = copy(this.#starts);
    this.#ends = copy(this.#ends);
    this.#hashes = copy(this.#hashes);
    this.#lines = copy(this.#lines);
    this.#numbers = copy(this.#numbers);
  }

  /** The cells of row `i` read from its bytes. */
  #decode(i: number): readonly string[] {
    const bytes = this.#bytes.read(this.#starts[i] as number, this.#ends[i] as number);
    if (bytesHash(bytes) !== this.#hashes[i]) {
      throw new RecipientsChanged(
        `${this.#file} changed after callops read it (line ${this.#lines[i]} is no longer the row validated): nothing is placed from rows that were not validated — run the command again`,
      );
    }
    const text = bytes.toString('utf8');
    if (!this.#special.has(i)) return text.split(',');
    return (parse(text, { relax_column_count: true }) as string[][])[0] ?? [''];
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
    return this.#lines[i] as number;
  }

  /** The 1-based data-row number of row `i` (its id when the CSV has no `id` column). */
  number(i: number): number {
    return this.#numbers[i] as number;
  }
}

/** FNV-1a of a string's UTF-16 code units. */
const hashOf = (text: string): number => {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
};

/**
 * The ids of a table's rows, for the check that each is used once, without a string kept per
 * row: an open-addressing table of row ordinals keyed by the id's hash (typed arrays), the id
 * itself read back from the row's cell when hashes agree.
 */
export class RowIds {
  readonly #table: RowTable;
  readonly #column: number;
  /** Row ordinal + 1 per slot; 0 is an empty slot. */
  #slots: Int32Array;
  #hashes: Int32Array;
  #count = 0;

  constructor(table: RowTable, column: number) {
    this.#table = table;
    this.#column = column;
    // At most half full for as many rows as the table has room for.
    let size = 1024;
    while (size < table.room * 2) size *= 2;
    this.#slots = new Int32Array(size);
    this.#hashes = new Int32Array(size);
  }

  /** The ordinal of the first row whose id is `id`; when there is none, -1, and row `ordinal` is recorded as it. */
  firstOrAdd(id: string, ordinal: number): number {
    const hash = hashOf(id);
    const mask = this.#slots.length - 1;
    let at = hash & mask;
    for (;;) {
      const held = this.#slots[at] as number;
      if (held === 0) break;
      if (this.#hashes[at] === hash && this.#table.cell(held - 1, this.#column) === id) {
        return held - 1;
      }
      at = (at + 1) & mask;
    }
    this.#slots[at] = ordinal + 1;
    this.#hashes[at] = hash;
    this.#count += 1;
    if (this.#count * 2 > this.#slots.length) this.#grow();
    return -1;
  }

  #grow(): void {
    const slots = this.#slots;
    const hashes = this.#hashes;
    this.#slots = new Int32Array(slots.length * 2);
    this.#hashes = new Int32Array(slots.length * 2);
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
