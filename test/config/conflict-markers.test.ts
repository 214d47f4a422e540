import { describe, expect, it } from 'vitest';
import { conflictLines } from '../../src/config/conflict-markers.js';

describe('conflictLines', () => {
  it('finds the first conflict, from its <<<<<<< line to its >>>>>>> line', () => {
    const text = ['a: 1', '<<<<<<< HEAD', 'b: 2', '=======', 'b: 3', '>>>>>>> main', ''].join('\n');
    expect(conflictLines(text)).toEqual({ from: 2, to: 6 });
    expect(conflictLines(text.replace(/\n/g, '\r\n'))).toEqual({ from: 2, to: 6 });
    // Bare markers, as some tools write them.
    expect(conflictLines('<<<<<<<\nx: 1\n=======\nx: 2\n>>>>>>>\n')).toEqual({ from: 1, to: 5 });
  });

  it('needs both ends at the start of a line: text that merely holds them is no conflict', () => {
    expect(conflictLines('a: 1\n')).toBeUndefined();
    expect(conflictLines('say: "<<<<<<< HEAD"\n=======\n>>>>>>> x\n')).toBeUndefined();
    expect(conflictLines('<<<<<<< HEAD\nb: 2\n=======\n')).toBeUndefined();
    expect(conflictLines('<<<<<<<< eight\n>>>>>>> x\n')).toBeUndefined();
    expect(conflictLines('<<: *base\n')).toBeUndefined();
  });
});
