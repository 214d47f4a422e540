import { describe, expect, it } from 'vitest';
import { firstUnprintable, printable, printableLines } from '../../src/report/printable.js';

describe('printable', () => {
  it('escapes C0, DEL, C1, line separators and bidi controls as JSON writes them', () => {
    expect(printable('a\nb\r\tc\u001b[2J\u0000\u007f\u0085\u009b')).toBe(
      'a\\nb\\r\\tc\\u001b[2J\\u0000\\u007f\\u0085\\u009b',
    );
    expect(printable('x\u2028\u2029\u202a\u202e\u2066\u2069y')).toBe(
      'x\\u2028\\u2029\\u202a\\u202e\\u2066\\u2069y',
    );
  });

  it('leaves other text as it is: accents, emoji, backslashes, the ellipsis', () => {
    const text = 'Zoë → 😀 C:\\calls …';
    expect(printable(text)).toBe(text);
  });

  it('names the first such character', () => {
    expect(firstUnprintable('bob\u001b[2J\n')).toBe('\\u001b');
    expect(firstUnprintable('bob')).toBeUndefined();
  });

  it('keeps the line breaks of a message of several lines, escaping the rest', () => {
    expect(printableLines('conflicts:\n  a\u001b[2J: x\r')).toBe('conflicts:\n  a\\u001b[2J: x\\r');
  });
});
