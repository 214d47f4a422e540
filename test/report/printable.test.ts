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

  it('escapes the format characters that show as nothing: zero-width spaces and joiners, soft hyphens, byte order marks', () => {
    expect(printable('+1555000\u200b1111 bob\u00ad \u200c\u200d\u2060\ufeff\u061c\u180e')).toBe(
      '+1555000\\u200b1111 bob\\u00ad \\u200c\\u200d\\u2060\\ufeff\\u061c\\u180e',
    );
    // Beyond the BMP, as its two UTF-16 units (JSON's escape of a tag character).
    expect(printable('a\u{e0001}b')).toBe('a\\udb40\\udc01b');
    expect(firstUnprintable('sip:bob\u200b@example.com')).toBe('\\u200b');
    expect(firstUnprintable('\u{e0041}')).toBe('\\udb40\\udc41');
  });

  it('leaves other text as it is: accents, emoji, backslashes, the ellipsis', () => {
    const text = 'Zoë → 😀 ❤️ C:\\calls …';
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
