import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { illFormedLength } from '../../src/config/decode.js';
import { decodeText, firstInvalidUtf8, MAX_FILE_BYTES } from '../../src/config/index.js';
import { error } from '../validate/fixtures.js';

const F = 'calls/x.yaml';
const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))),
  );

describe('decodeText', () => {
  it('decodes UTF-8 and drops a byte order mark', () => {
    expect(decodeText(F, bytes([0xef, 0xbb, 0xbf], 'name: café\n'))).toEqual({
      text: 'name: café\n',
      diagnostics: [],
    });
  });

  it('locates the first invalid UTF-8 byte by line and column', () => {
    const result = decodeText(F, bytes('calls:\n  - name: caf', [0xe9], '\n'));
    expect(result.text).toBeUndefined();
    expect(result.diagnostics).toEqual([
      error(
        F,
        2,
        14,
        '',
        'file is not valid UTF-8 (byte 0xE9 begins a character that the next byte 0x0A does not complete); save it as UTF-8',
      ),
    ]);
  });

  it('counts columns in UTF-16 code units after valid multi-byte text (an emoji counts 2)', () => {
    const result = decodeText(F, bytes('é€😀', [0xc0, 0x80]));
    expect(result.diagnostics).toEqual([
      error(F, 1, 5, '', 'file is not valid UTF-8 (byte 0xC0); save it as UTF-8'),
    ]);
  });

  it.each([
    ['a byte that starts no character', [0x41, 0xff, 0x42], 'byte 0xFF'],
    [
      'a character the next byte does not complete, named whole',
      [0x41, 0xe2, 0x82, 0x41],
      'bytes 0xE2 0x82 begin a character that the next byte 0x41 does not complete',
    ],
    [
      'a lead byte alone before text',
      [0x41, 0xc3, 0x41],
      'byte 0xC3 begins a character that the next byte 0x41 does not complete',
    ],
    [
      'a file that ends inside a character',
      [0x41, 0xf0, 0x9f, 0x98],
      'the file ends inside a character: bytes 0xF0 0x9F 0x98 begin one',
    ],
  ])('names the bytes that are not UTF-8: %s', (_what, raw, words) => {
    expect(decodeText(F, bytes(raw)).diagnostics).toEqual([
      error(F, 1, 2, '', `file is not valid UTF-8 (${words}); save it as UTF-8`),
    ]);
  });

  it('refuses UTF-16 with a clear message', () => {
    const utf16 = Buffer.from('\ufeffcalls: []\n', 'utf16le');
    expect(decodeText(F, utf16).diagnostics).toEqual([
      error(F, 1, 1, '', 'file is UTF-16 text; save it as UTF-8'),
    ]);
  });

  it('refuses binary content', () => {
    expect(decodeText(F, bytes([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01])).diagnostics).toEqual([
      error(F, 1, 5, '', 'file is binary (it contains a NUL byte here), not text'),
    ]);
  });

  it('refuses more than the size limit', () => {
    const result = decodeText(F, new Uint8Array(MAX_FILE_BYTES + 1).fill(0x20));
    expect(result.diagnostics).toEqual([
      error(F, 1, 1, '', 'file is 4.1 MiB; callops reads call files up to 4 MiB — split it'),
    ]);
  });
});

describe('firstInvalidUtf8', () => {
  it.each([
    ['ascii', bytes('abc'), -1],
    ['4-byte emoji', bytes('😀'), -1],
    ['lone continuation byte', bytes('a', [0x80]), 1],
    ['overlong encoding', bytes([0xc0, 0xaf]), 0],
    ['truncated sequence at the end', bytes('ab', [0xe2, 0x82]), 2],
    ['UTF-16 surrogate encoded in UTF-8', bytes([0xed, 0xa0, 0x80]), 0],
    ['above U+10FFFF', bytes([0xf4, 0x90, 0x80, 0x80]), 0],
  ])('%s', (_, input, expected) => {
    expect(firstInvalidUtf8(input)).toBe(expected);
  });
});

describe('illFormedLength', () => {
  it.each([
    ['a whole character', bytes('é'), 0],
    ['Latin-1 é before e', bytes([0xe9], 'e'), 1],
    ['a 4-byte character cut before a comma', bytes([0xf0, 0x9f, 0x98], ','), 3],
    ['a 4-byte character cut by the end', bytes([0xf0, 0x9f, 0x98]), 3],
    ['an overlong NUL', bytes([0xc0, 0x80]), 1],
    ['an overlong 3-byte form', bytes([0xe0, 0x80, 0x80]), 1],
    ['a surrogate', bytes([0xed, 0xa0, 0x80]), 1],
    ['above U+10FFFF', bytes([0xf4, 0x90, 0x80, 0x80]), 1],
    ['a lone continuation byte', bytes([0x80]), 1],
  ])('%s', (_, input, expected) => {
    expect(illFormedLength(input)).toBe(expected);
  });

  it('names the bytes TextDecoder replaces with one U+FFFD, whatever follows them', () => {
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    const tails = fc.uint8Array({ maxLength: 6 }).chain((rest) =>
      fc.oneof(
        fc.constant(rest),
        fc.constantFrom('é', '€', '😀', ',').map((ch) => bytes(ch, [...rest])),
      ),
    );
    const lead = fc.integer({ min: 0x80, max: 0xff });
    const more = fc.array(fc.integer({ min: 0x80, max: 0xbf }), { maxLength: 3 });
    fc.assert(
      fc.property(lead, more, tails, (first, continuation, tail) => {
        const input = bytes([first, ...continuation], [...tail]);
        const bad = firstInvalidUtf8(input);
        fc.pre(bad >= 0);
        const n = illFormedLength(input, bad);
        expect(n).toBeGreaterThan(0);
        const from = input.subarray(bad);
        expect(decode(from)).toBe(`\uFFFD${decode(from.subarray(n))}`);
      }),
      { numRuns: 2000 },
    );
  });
});
