import type { RowSite } from '../config/csv.js';

/**
 * The rows of one recipients CSV, kept as the file's text and four numbers a row (where its
 * record starts and ends in the text, its line, its data-row number) instead of an array of
 * cells: a campaign's memory then grows by a few bytes a row beyond its file. A row's cells
 * are cut from the text again when asked for. A record whose cells are not simply its text
 * split at each comma (quotes, a comma or a line break inside a cell) keeps the cells the
 * CSV reader gave, so a cell is always exactly what the reader read.
 */
export class RowTable {
  readonly #text: string;
  #starts: Int32Array;
  #ends: Int32Array;
  #lines: Int32Array;
  #numbers: Int32Array;
  /** The cells of records that are not their text split at commas. */
  readonly #kept = new Map<number, readonly string[]>();
  #count = 0;

  constructor(text: string) {
    this.#text = text;
    // Room for a row per line (the header's included), so the arrays are rarely copied.
    let lines = 1;
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines += 1;
    const room = Math.max(16, lines);
    this.#starts = new Int32Array(room);
    this.#ends = new Int32Array(room);
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
    const end = site.start + site.raw.length;
    this.#starts[i] = site.start;
    this.#ends[i] = end;
    this.#lines[i] = site.line;
    this.#numbers[i] = site.index;
    if (site.start < 0 || !this.#isPlain(cells, site.start, end)) this.#kept.set(i, cells);
    this.#count = i + 1;
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
    this.#lines = copy(this.#lines);
    this.#numbers = copy(this.#numbers);
  }

  /** Whether the text from `start` to `end` is the cells joined by commas, none holding a comma. */
  #isPlain(cells: readonly string[], start: number, end: number): boolean {
    const text = this.#text;
    let at = start;
    for (let c = 0; c < cells.length; c += 1) {
      const cell = cells[c] as string;
      if (c > 0) {
        if (text.charCodeAt(at) !== 44) return false;
        at += 1;
      }
      if (cell.includes(',') || !text.startsWith(cell, at)) return false;
      at += cell.length;
    }
    return at === end;
  }

  /** The cells of row `i`. */
  cells(i: number): readonly string[] {
    return this.#kept.get(i) ?? this.#text.slice(this.#starts[i], this.#ends[i]).split(',');
  }

  /** Cell `column` of row `i` ('' past the last). */
  cell(i: number, column: number): string {
    const kept = this.#kept.get(i);
    if (kept !== undefined) return kept[column] ?? '';
    const text = this.#text;
    const end = this.#ends[i] as number;
    let at = this.#starts[i] as number;
    for (let c = 0; c < column; c += 1) {
      const comma = text.indexOf(',', at);
      if (comma < 0 || comma >= end) return '';
      at = comma + 1;
    }
    const comma = text.indexOf(',', at);
    return text.slice(at, comma < 0 || comma > end ? end : comma);
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
