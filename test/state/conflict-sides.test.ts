import { describe, expect, it } from 'vitest';
import { conflictSides } from '../../src/state/conflict-sides.js';
import { serializeLockfile } from '../../src/state/lockfile.js';
import { mergeConflictText } from '../../src/state/lockfile-conflict.js';
import type { LockEntry } from '../../src/state/types.js';
import { entry, lockOf } from './helpers.js';

const lines = (...ls: string[]) => `${ls.join('\n')}\n`;

describe('conflictSides', () => {
  it('is undefined for a text without conflict markers', () => {
    expect(conflictSides(lines('{', '  "a": 1', '}'))).toBeUndefined();
  });

  it('takes each hunk of a plain conflict to its side, the lines outside to both', () => {
    const text = lines(
      'top',
      '<<<<<<< HEAD',
      'mine',
      '=======',
      'yours',
      '>>>>>>> origin/main',
      'end',
    );
    expect(conflictSides(text)).toEqual({
      ours: { label: 'HEAD', text: lines('top', 'mine', 'end'), lines: [1, 3, 7, 8] },
      theirs: { label: 'origin/main', text: lines('top', 'yours', 'end'), lines: [1, 5, 7, 8] },
      hunks: 1,
    });
  });

  it('drops the base section of the diff3 style, and reads several hunks', () => {
    const text = lines(
      '<<<<<<< ours',
      'a1',
      '||||||| base',
      'a0',
      '=======',
      'a2',
      '>>>>>>> theirs',
      'middle',
      '<<<<<<< ours',
      '=======',
      'b2',
      'b3',
      '>>>>>>> theirs',
    );
    const sides = conflictSides(text);
    expect(sides).toMatchObject({
      ours: { label: 'ours', text: lines('a1', 'middle') },
      theirs: { label: 'theirs', text: lines('a2', 'middle', 'b2', 'b3') },
      hunks: 2,
    });
  });

  it('takes markers only as whole lines from column 1: not inside a value, not indented', () => {
    const text = lines(
      '{',
      '  "note": "<<<<<<< HEAD",',
      '  <<<<<<< not a marker',
      '<<<<<<< HEAD',
      '  "x": "=======",',
      '=======',
      '  "x": ">>>>>>> b",',
      '>>>>>>> b',
      '}',
    );
    expect(conflictSides(text)).toMatchObject({
      ours: {
        text: lines(
          '{',
          '  "note": "<<<<<<< HEAD",',
          '  <<<<<<< not a marker',
          '  "x": "=======",',
          '}',
        ),
      },
      theirs: {
        text: lines(
          '{',
          '  "note": "<<<<<<< HEAD",',
          '  <<<<<<< not a marker',
          '  "x": ">>>>>>> b",',
          '}',
        ),
      },
      hunks: 1,
    });
  });

  it('keeps the line ends of a CRLF text', () => {
    const text = '<<<<<<< HEAD\r\nmine\r\n=======\r\nyours\r\n>>>>>>> b\r\n';
    expect(conflictSides(text)).toMatchObject({
      ours: { label: 'HEAD', text: 'mine\r\n' },
      theirs: { label: 'b', text: 'yours\r\n' },
    });
  });

  it('names the line of a conflict that is not closed, or has no =======', () => {
    expect(conflictSides(lines('x', '<<<<<<< HEAD', 'mine', '=======', 'yours'))).toEqual({
      line: 2,
      message: 'the conflict opened at line 2 is not closed (no `>>>>>>>` line)',
    });
    expect(conflictSides(lines('<<<<<<< HEAD', 'mine', '>>>>>>> b'))).toEqual({
      line: 3,
      message: 'a conflict opened at line 1 has no `=======`',
    });
  });
});

const T1 = '2026-11-24T10:00:00.000Z';
const placed = (sid: string, fields: Partial<LockEntry> = {}) =>
  entry({ status: 'placed', sid, callId: `call-${sid}`, at: T1, ...fields });

/** Two lockfiles' texts as git leaves them conflicting: every differing line one hunk. */
const conflicting = (ours: string, theirs: string): string => {
  const [a, b] = [ours.split('\n'), theirs.split('\n')];
  let head = 0;
  while (head < a.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail += 1;
  return [
    ...a.slice(0, head),
    '<<<<<<< HEAD',
    ...a.slice(head, a.length - tail),
    '=======',
    ...b.slice(head, b.length - tail),
    '>>>>>>> origin/main',
    ...a.slice(a.length - tail),
  ].join('\n');
};

describe('mergeConflictText', () => {
  it('holds the entries of both sides; a placed entry wins over an unknown one of its key', () => {
    const ours = lockOf({
      'p/base': placed('S0'),
      'p/mine': placed('S1'),
      'p/both': entry({ status: 'unknown', at: T1, message: 'timed out' }),
    });
    const theirs = lockOf({
      'p/base': placed('S0'),
      'p/both': placed('S2'),
      'p/yours': placed('S3'),
    });
    const text = conflicting(serializeLockfile(ours), serializeLockfile(theirs));
    const merged = mergeConflictText(text, 'callops.lock');
    if (merged === undefined || 'error' in merged) throw new Error(JSON.stringify(merged));
    expect(Object.keys(merged.lock.calls).sort()).toEqual([
      'p/base',
      'p/both',
      'p/mine',
      'p/yours',
    ]);
    expect(merged.lock.calls['p/both']).toEqual(placed('S2'));
    expect(merged.ours).toEqual({ marker: '<<<<<<< HEAD', entries: 3, only: 1 });
    expect(merged.theirs).toEqual({ marker: '>>>>>>> origin/main', entries: 3, only: 1 });
    expect(merged.twice).toEqual([]);
  });

  it('is undefined for a lockfile without markers', () => {
    expect(mergeConflictText(serializeLockfile(lockOf({})), 'callops.lock')).toBeUndefined();
  });

  it('refuses a side that is not a lockfile, naming the side and the line of the file', () => {
    const text = lines(
      '{',
      '  "calls": {',
      '<<<<<<< HEAD',
      '    "p/a": {',
      '=======',
      '    "p/b": {,',
      '>>>>>>> origin/main',
      '      "at": "2026-11-24T10:00:00.000Z", "definition": "sha256:abc", "file": "calls/a.yaml", "status": "failed"',
      '    }',
      '  },',
      '  "lockfileVersion": 1',
      '}',
    );
    const merged = mergeConflictText(text, 'callops.lock');
    expect(merged).toMatchObject({ error: { file: 'callops.lock', line: 6 } });
    const message = merged !== undefined && 'error' in merged ? merged.error.message : '';
    expect(message).toContain('its side `>>>>>>> origin/main` is not a lockfile');
    expect(message).toContain('nothing was written');
  });
});
