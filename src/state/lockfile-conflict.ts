import { isUtf8 } from 'node:buffer';
import { readRegularFile } from '../config/regular-file.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { type ConflictSide, conflictSides } from './conflict-sides.js';
import { MAX_LOCKFILE_BYTES, parseLockfile } from './lockfile.js';
import { mergeLockfiles, type PlacedTwice } from './merge.js';
import type { Lockfile } from './types.js';

/** What one side of the conflict held: its marker's words, its entries, those only it held. */
export interface SideCount {
  readonly marker: string;
  readonly entries: number;
  readonly only: number;
}

/**
 * A lockfile git left conflicting, as its two sides merged: nothing either side placed is
 * lost (mergeLockfiles, as for two writers of one file).
 */
export interface ConflictMerged {
  readonly lock: Lockfile;
  readonly hunks: number;
  readonly ours: SideCount;
  readonly theirs: SideCount;
  /** Keys placed under two sids, one on each side: the lockfile keeps one of them. */
  readonly twice: readonly PlacedTwice[];
}

const markerOf = (opening: string, label: string): string =>
  label === '' ? opening : `${opening} ${label}`;

/** One side parsed, or where it is not a lockfile (the line of the conflicting file). */
const sideLock = (
  side: ConflictSide,
  marker: string,
  file: string,
): { lock: Lockfile } | { error: Diagnostic } => {
  const parsed = parseLockfile(side.text, file);
  if ('lock' in parsed) return parsed;
  const d = parsed.error;
  const line = side.lines[d.line - 1] ?? side.lines[side.lines.length - 1] ?? 1;
  return {
    error: {
      ...d,
      line,
      message: `${file} holds git merge conflict markers, and its side \`${marker}\` is not a lockfile once its lines of every conflict are taken (line ${d.line} of that side): ${d.message}. \`callops state pull\` merges the two sides only when each is one; nothing was written`,
    },
  };
};

const countOf = (lock: Lockfile, other: Lockfile, marker: string): SideCount => {
  const keys = Object.keys(lock.calls);
  return {
    marker,
    entries: keys.length,
    only: keys.filter((key) => other.calls[key] === undefined).length,
  };
};

/**
 * The lockfile text `text` merged from its two sides when it holds git's conflict markers;
 * undefined when it holds none. A side that is not a lockfile, or markers out of place, are
 * a located error: merging what cannot be read could drop placements.
 */
export const mergeConflictText = (
  text: string,
  file: string,
): ConflictMerged | { error: Diagnostic } | undefined => {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const sides = conflictSides(body);
  if (sides === undefined) return undefined;
  if ('message' in sides) {
    return {
      error: {
        file,
        line: sides.line,
        column: 1,
        path: '',
        severity: 'error',
        message: `${file} holds git merge conflict markers out of place: ${sides.message}; \`callops state pull\` cannot tell the two sides apart, and nothing was written`,
      },
    };
  }
  const oursMarker = markerOf('<<<<<<<', sides.ours.label);
  const theirsMarker = markerOf('>>>>>>>', sides.theirs.label);
  const ours = sideLock(sides.ours, oursMarker, file);
  if ('error' in ours) return ours;
  const theirs = sideLock(sides.theirs, theirsMarker, file);
  if ('error' in theirs) return theirs;
  const merged = mergeLockfiles(ours.lock, theirs.lock);
  return {
    lock: merged.lock,
    hunks: sides.hunks,
    ours: countOf(ours.lock, theirs.lock, oursMarker),
    theirs: countOf(theirs.lock, ours.lock, theirsMarker),
    twice: merged.twice,
  };
};

/**
 * The lockfile at `path` merged from its two sides (mergeConflictText) when it is text that
 * holds git's conflict markers; undefined when it holds none, or cannot be read as plain
 * text (the lockfile's own reading says why).
 */
export const readConflictedLockfile = async (
  path: string,
  file: string,
): Promise<ConflictMerged | { error: Diagnostic } | undefined> => {
  let bytes: Buffer;
  try {
    const read = await readRegularFile(path);
    if ('problem' in read) return undefined;
    bytes = read.bytes;
  } catch {
    return undefined;
  }
  if (bytes.length > MAX_LOCKFILE_BYTES || !isUtf8(bytes)) return undefined;
  return mergeConflictText(bytes.toString('utf8'), file);
};
