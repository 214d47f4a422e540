/**
 * The two texts git merged into a file it left conflicting: each hunk's lines of one side
 * (`<<<<<<<` to `=======`, or to `|||||||` in the diff3 style) and of the other (`=======`
 * to `>>>>>>>`), the lines outside the hunks in both, the base section of diff3 in neither.
 * A marker is a whole line from column 1: a lockfile's own lines are indented, and a JSON
 * string holds no line break, so no value of an entry is ever taken for one.
 */

const OPENING = /^<{7}(?: (.*))?$/;
const BASE = /^\|{7}(?: .*)?$/;
const SPLIT = /^={7}$/;
const CLOSING = /^>{7}(?: (.*))?$/;

/** One side: its text, and for each of its lines the line of the conflicting file it is. */
export interface ConflictSide {
  /** What git wrote after its marker (`HEAD`, a branch, a commit and its subject); may be empty. */
  readonly label: string;
  readonly text: string;
  /** `lines[i]`: the 1-based line of the file that line `i + 1` of `text` is. */
  readonly lines: readonly number[];
}

export interface ConflictSides {
  /** The side of `<<<<<<<` (in a merge this clone's, in a rebase the branch rebased onto). */
  readonly ours: ConflictSide;
  /** The side of `>>>>>>>`. */
  readonly theirs: ConflictSide;
  readonly hunks: number;
}

/** A hunk git's markers do not close or open as git writes them: where, and what. */
export interface BrokenHunk {
  readonly line: number;
  readonly message: string;
}

type State = 'outside' | 'ours' | 'base' | 'theirs';

/**
 * The two sides of `text`, undefined when it holds no conflict, or the first marker out of
 * place (a hunk not closed, a `=======` missing).
 */
export const conflictSides = (text: string): ConflictSides | BrokenHunk | undefined => {
  // Most lockfiles hold no `<<<<<<<` at all: one search for them.
  if (!text.includes('<<<<<<<')) return undefined;
  const pieces = text.split('\n');
  const ours = { text: [] as string[], lines: [] as number[], label: '' };
  const theirs = { text: [] as string[], lines: [] as number[], label: '' };
  let state: State = 'outside';
  let hunks = 0;
  let opened = 0;
  const both = (piece: string, line: number, sides: readonly (typeof ours)[]) => {
    for (const side of sides) {
      side.text.push(piece);
      side.lines.push(line);
    }
  };
  for (let i = 0; i < pieces.length; i += 1) {
    const piece = pieces[i] as string;
    const line = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
    const at = i + 1;
    if (state === 'outside') {
      const open = OPENING.exec(line);
      if (open !== null) {
        state = 'ours';
        opened = at;
        hunks += 1;
        if (hunks === 1) ours.label = open[1] ?? '';
        continue;
      }
      both(piece, at, [ours, theirs]);
    } else if (state === 'ours' || state === 'base') {
      if (SPLIT.test(line)) state = 'theirs';
      else if (BASE.test(line)) state = 'base';
      else if (OPENING.test(line) || CLOSING.test(line))
        return { line: at, message: `a conflict opened at line ${opened} has no \`=======\`` };
      else if (state === 'ours') both(piece, at, [ours]);
    } else {
      const close = CLOSING.exec(line);
      if (close !== null) {
        state = 'outside';
        if (hunks === 1) theirs.label = close[1] ?? '';
        continue;
      }
      if (OPENING.test(line) || SPLIT.test(line))
        return { line: at, message: `a conflict opened at line ${opened} is not closed` };
      both(piece, at, [theirs]);
    }
  }
  if (hunks === 0) return undefined;
  if (state !== 'outside')
    return {
      line: opened,
      message: `the conflict opened at line ${opened} is not closed (no \`>>>>>>>\` line)`,
    };
  const side = (s: typeof ours): ConflictSide => ({
    label: s.label,
    text: s.text.join('\n'),
    lines: s.lines,
  });
  return { ours: side(ours), theirs: side(theirs), hunks };
};
