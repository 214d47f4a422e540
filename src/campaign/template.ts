import type { PathSegments } from '../config/types.js';

/**
 * `${row.COLUMN}` references of a campaign's call, compiled once: each string of the call
 * that holds one becomes a list of parts (text, or a column index), so a row's values are
 * put in place without parsing the call again. `$${` stays an escape, and `${VAR}`
 * references of the environment are left for resolve/.
 */

/** `${row.COLUMN}`: a column name is letters, digits, `_`, `-`, `.` and spaces. */
export const ROW_REFERENCE = /\$\{row\.([^}]*)\}/g;
const COLUMN_NAME = /^[A-Za-z0-9_][A-Za-z0-9_ .-]*$/;

/** A string part: literal text, or the cell of a column. */
export type Part = string | { readonly column: number };

export interface Slot {
  readonly path: PathSegments;
  readonly parts: readonly Part[];
  /** The text as written, for messages. */
  readonly written: string;
}

/** A `${row.X}` reference found in a string. */
export interface RowReference {
  readonly path: PathSegments;
  readonly name: string;
  readonly written: string;
}

/** The `${row.X}` references of one string, `$${` escapes skipped. */
export const rowReferences = (text: string): { name: string; index: number; length: number }[] => {
  const out: { name: string; index: number; length: number }[] = [];
  if (!text.includes('${row.')) return out;
  for (const match of text.matchAll(ROW_REFERENCE)) {
    if (match.index > 0 && text[match.index - 1] === '$') continue;
    out.push({ name: match[1] ?? '', index: match.index, length: match[0].length });
  }
  return out;
};

export const hasRowReference = (value: unknown): boolean =>
  typeof value === 'string' && rowReferences(value).length > 0;

export const isColumnName = (name: string): boolean => COLUMN_NAME.test(name);

/** Whether any string in nested data holds `${row.` (a walk that allocates nothing). */
export const mayHoldRowReference = (value: unknown): boolean => {
  if (typeof value === 'string') return value.includes('${row.');
  if (Array.isArray(value)) return value.some(mayHoldRowReference);
  if (value !== null && typeof value === 'object') {
    for (const key in value) {
      if (Object.hasOwn(value, key) && mayHoldRowReference((value as Record<string, unknown>)[key]))
        return true;
    }
  }
  return false;
};

/** Every `${row.X}` reference in nested data, with its path. */
export const findRowReferences = (value: unknown, path: PathSegments = []): RowReference[] => {
  if (typeof value === 'string')
    return rowReferences(value).map((r) => ({ path, name: r.name, written: value }));
  if (Array.isArray(value)) return value.flatMap((v, i) => findRowReferences(v, [...path, i]));
  if (value !== null && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => findRowReferences(v, [...path, k]));
  return [];
};

/** The slots of `value` given the header's columns (unknown names are left out: the caller reports them). */
export const compileSlots = (value: unknown, columns: ReadonlyMap<string, number>): Slot[] => {
  const bySlot = new Map<string, { path: PathSegments; written: string }>();
  for (const ref of findRowReferences(value)) {
    bySlot.set(JSON.stringify(ref.path), { path: ref.path, written: ref.written });
  }
  return [...bySlot.values()].map(({ path, written }) => {
    const parts: Part[] = [];
    let at = 0;
    for (const ref of rowReferences(written)) {
      if (ref.index > at) parts.push(written.slice(at, ref.index));
      const column = columns.get(ref.name);
      parts.push(column === undefined ? '' : { column });
      at = ref.index + ref.length;
    }
    if (at < written.length) parts.push(written.slice(at));
    return { path, parts, written };
  });
};

/** A cell's text put into a call: a `${` in it is written `$${`, so no cell is ever read as a reference. */
const literalCell = (cell: string): string =>
  cell.includes('${') ? cell.replaceAll('${', () => '$${') : cell;

/**
 * The text of a slot for a row. A `$` that ends a cell and a `{` that starts what follows
 * (the call's text or the next cell) would meet as a `${`, a reference to the environment
 * no one wrote: that `$` is written `$$`, so the pair stays text (`$${`).
 */
export const fill = (slot: Slot, cells: readonly string[]): string => {
  let out = '';
  for (const part of slot.parts) {
    const text = typeof part === 'string' ? part : literalCell(cells[part.column] ?? '');
    if (text.startsWith('{') && out.endsWith('$')) out += '$';
    out += text;
  }
  return out;
};

/** The raw cell values a slot takes (unescaped), for checks. */
export const rawFill = (slot: Slot, cells: readonly string[]): string => {
  let out = '';
  for (const part of slot.parts)
    out += typeof part === 'string' ? part : (cells[part.column] ?? '');
  return out;
};

/** The slots below one node of the call, by key, compiled once per campaign. */
interface Trie {
  readonly slot?: Slot;
  readonly children: Map<string, Trie>;
}

const tries = new WeakMap<readonly Slot[], Trie>();

const trieOf = (slots: readonly Slot[]): Trie => {
  const known = tries.get(slots);
  if (known) return known;
  const root: { slot?: Slot; children: Map<string, Trie> } = { children: new Map() };
  for (const slot of slots) {
    let node = root;
    for (const segment of slot.path) {
      const key = String(segment);
      let next = node.children.get(key) as typeof root | undefined;
      if (next === undefined) {
        next = { children: new Map() };
        node.children.set(key, next);
      }
      node = next;
    }
    node.slot = slot;
  }
  tries.set(slots, root);
  return root;
};

const build = (value: unknown, trie: Trie, cells: readonly string[]): unknown => {
  if (trie.slot) return fill(trie.slot, cells);
  if (Array.isArray(value)) {
    const copy = [...value];
    for (const [key, child] of trie.children)
      copy[Number(key)] = build(copy[Number(key)], child, cells);
    return copy;
  }
  // Spread copies own keys as data properties (a `__proto__` key stays a plain key).
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [key, child] of trie.children) {
    Object.defineProperty(copy, key, {
      value: build((value as Record<string, unknown>)[key], child, cells),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
};

/** `value` with each slot filled from the row; parts without a slot are shared, not copied. */
export const substitute = <T>(value: T, slots: readonly Slot[], cells: readonly string[]): T =>
  slots.length === 0 ? value : (build(value, trieOf(slots), cells) as T);
