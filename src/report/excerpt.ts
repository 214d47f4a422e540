import { printable } from './printable.js';

/** Characters of a source line shown under a diagnostic, at most (ellipses included). */
export const EXCERPT_WIDTH = 120;

const ELLIPSIS = '…';

/** The part of a source line shown, and how many characters precede the caret in it. */
export interface Excerpt {
  readonly text: string;
  readonly caret: number;
}

const isHigh = (code: number): boolean => code >= 0xd800 && code <= 0xdbff;
const isLow = (code: number): boolean => code >= 0xdc00 && code <= 0xdfff;

/** One character (a surrogate pair whole) as the excerpt shows it: a tab as →, escapes as printable writes them. */
const shown = (c: string): string => (c === '\t' ? '→' : printable(c));

/**
 * The shown characters from `at` towards one end of `line`, nearest first, until `room`
 * characters are gathered or the end is reached; never a pair split in two.
 */
const walk = (line: string, at: number, step: -1 | 1, room: number) => {
  const pieces: string[] = [];
  let width = 0;
  let i = at;
  while (width < room && (step < 0 ? i > 0 : i < line.length)) {
    let start = step < 0 ? i - 1 : i;
    let end = step < 0 ? i : i + 1;
    if (
      step < 0 &&
      start > 0 &&
      isLow(line.charCodeAt(start)) &&
      isHigh(line.charCodeAt(start - 1))
    )
      start -= 1;
    if (step > 0 && end < line.length && isHigh(line.charCodeAt(i)) && isLow(line.charCodeAt(end)))
      end += 1;
    const piece = shown(line.slice(start, end));
    pieces.push(piece);
    width += piece.length;
    i = step < 0 ? start : end;
  }
  return { pieces, whole: step < 0 ? i === 0 : i === line.length };
};

const widthOf = (pieces: readonly string[]): number => pieces.reduce((n, p) => n + p.length, 0);

/** The nearest pieces that fit in `room` characters (the first one always), and whether some were left out. */
const nearestFitting = (side: { pieces: string[]; whole: boolean }, room: number) => {
  const kept: string[] = [];
  let width = 0;
  for (const piece of side.pieces) {
    if (kept.length > 0 && width + piece.length > room) break;
    kept.push(piece);
    width += piece.length;
  }
  return { kept, width, cut: kept.length < side.pieces.length || !side.whole };
};

/**
 * The source line shown under a diagnostic, at most `width` characters however long the
 * line (a one-line flow-style file of megabytes): the whole line when it fits, else the part
 * around `column` (1-based) with `…` on each side cut off, more of it before the column
 * than after when both are cut. Unprintable characters are escaped and tabs shown as →;
 * `caret` counts the characters shown before the one the column names.
 */
export const excerpt = (line: string, column: number, width = EXCERPT_WIDTH): Excerpt => {
  const at = Math.min(Math.max(column - 1, 0), line.length);
  const before = walk(line, at, -1, width);
  const after = walk(line, at, 1, width);
  if (before.whole && after.whole && widthOf(before.pieces) + widthOf(after.pieces) <= width) {
    const head = before.pieces.reverse().join('');
    return { text: head + after.pieces.join(''), caret: head.length };
  }
  // Of the room left by the ellipses, a third for what follows the column and two thirds for
  // what leads up to it; a side that has less gives the other what it leaves.
  const room = width - 2;
  const share = Math.floor(room / 3);
  const beforeWidth = widthOf(before.pieces);
  const afterWidth = widthOf(after.pieces);
  const rightRoom =
    beforeWidth < room - share ? room - beforeWidth : afterWidth < share ? afterWidth : share;
  let right = nearestFitting(after, rightRoom);
  const left = nearestFitting(before, width - right.width - (right.cut ? 1 : 0) - 1);
  // The line shown from its start: the room of the ellipsis before goes to the end.
  if (!left.cut) right = nearestFitting(after, width - left.width - 1);
  const head = `${left.cut ? ELLIPSIS : ''}${left.kept.reverse().join('')}`;
  return { text: `${head}${right.kept.join('')}${right.cut ? ELLIPSIS : ''}`, caret: head.length };
};
