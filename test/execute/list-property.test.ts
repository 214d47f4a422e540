import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createListScanner, readList, type ScanStop } from '../../src/execute/list.js';

/**
 * The list scanner against JSON.parse of the whole text: whatever the text and however its
 * bytes are cut into chunks, the scan hands out what JSON.parse would, in order, or stops.
 */

/** Scans `chunks` in order; what was handed over and where the scan stopped, if it did. */
const scan = (chunks: readonly Buffer[], maxElementBytes = 1 << 20) => {
  const values: unknown[] = [];
  const scanner = createListScanner((v) => values.push(v), maxElementBytes);
  let stop: ScanStop | undefined;
  for (const chunk of chunks) {
    stop = scanner.push(chunk);
    if (stop) break;
  }
  return { values, stop: stop ?? scanner.end() };
};

/** JSON.parse of the whole text, decoded as the reader decodes it; undefined: not JSON. */
const parseWhole = (bytes: Buffer): { value: unknown } | undefined => {
  try {
    return { value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
};

/** `bytes` cut at arbitrary byte offsets (inside characters and escapes too; empty chunks allowed). */
const cutsArb = fc.array(fc.nat({ max: 1 << 30 }), { maxLength: 12 });
const chunked = (bytes: Buffer, cuts: readonly number[]): Buffer[] => {
  const at = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return chunks;
};
/** Every way of cutting worth trying: arbitrary cuts, or one byte a chunk. */
const chunkingArb = fc.oneof(
  { weight: 4, arbitrary: cutsArb.map((cuts) => (bytes: Buffer) => chunked(bytes, cuts)) },
  { weight: 1, arbitrary: fc.constant((bytes: Buffer) => [...bytes].map((b) => Buffer.from([b]))) },
);

// JSON texts written in every form JSON allows: white space between any tokens, strings
// with every escape (\uXXXX in either case, surrogate pairs and lone halves) and raw
// characters of 1 to 4 UTF-8 bytes, numbers with signs, fractions and exponents.
const wsArb = fc
  .array(fc.constantFrom(' ', '\t', '\n', '\r'), { maxLength: 3 })
  .map((s) => s.join(''));
const hex4 = (n: number, upper: boolean): string => {
  const h = n.toString(16).padStart(4, '0');
  return upper ? h.toUpperCase() : h;
};
const stringPieceArb = fc.oneof(
  // Any code point but the quote, the backslash and controls, raw (astral ones too).
  fc
    .string({ unit: 'binary', minLength: 1, maxLength: 3 })
    .map((s) => [...s].filter((c) => c !== '"' && c !== '\\' && c >= ' ').join('')),
  // The bytes the scan gives a meaning, raw inside a string.
  fc.constantFrom('[', ']', '{', '}', ',', ':', 'é', '€', '😀', '𝄞'),
  fc.constantFrom('\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t', '\\\\\\\\', '\\\\\\"'),
  fc
    .tuple(fc.integer({ min: 0, max: 0xffff }), fc.boolean())
    .map(([n, upper]) => `\\u${hex4(n, upper)}`),
  fc.tuple(fc.integer({ min: 0x10000, max: 0x10ffff }), fc.boolean()).map(([cp, upper]) => {
    const v = cp - 0x10000;
    return `\\u${hex4(0xd800 + (v >> 10), upper)}\\u${hex4(0xdc00 + (v & 0x3ff), upper)}`;
  }),
);
const stringArb = fc
  .array(stringPieceArb, { maxLength: 6 })
  .map((pieces) => `"${pieces.join('')}"`);
const digitsArb = fc.stringMatching(/^[0-9]{1,4}$/);
const numberArb = fc
  .tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,20}$/)),
    fc.option(digitsArb),
    fc.option(
      fc.tuple(
        fc.constantFrom('e', 'E'),
        fc.constantFrom('', '+', '-'),
        fc.stringMatching(/^[0-9]{1,3}$/),
      ),
    ),
  )
  .map(
    ([minus, int, frac, exp]) =>
      `${minus ? '-' : ''}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`,
  );
const { value: valueArb } = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('true', 'false', 'null'),
    numberArb,
    stringArb,
    tie('array'),
    tie('object'),
  ),
  array: fc
    .tuple(fc.array(fc.tuple(tie('value'), wsArb), { maxLength: 4 }), wsArb)
    .map(([items, lead]) => `[${lead}${items.map(([v, ws]) => `${v}${ws}`).join(',')}]`),
  object: fc
    .tuple(
      fc.array(fc.tuple(wsArb, stringArb, wsArb, wsArb, tie('value'), wsArb), { maxLength: 4 }),
      wsArb,
    )
    .map(
      ([members, lead]) =>
        `{${lead}${members.map(([a, k, b, c, v, d]) => `${a}${k}${b}:${c}${v}${d}`).join(',')}}`,
    ),
}));

/** A list's text, and each element's bytes as the scan holds them (the element, the white space after it). */
interface ListText {
  readonly bytes: Buffer;
  readonly spans: readonly number[];
}
const listArb: fc.Arbitrary<ListText> = fc
  .tuple(
    wsArb,
    wsArb,
    fc.array(
      fc.tuple(
        wsArb,
        fc.oneof(
          valueArb,
          fc.jsonValue({ maxDepth: 3, stringUnit: 'binary' }).map((v) => JSON.stringify(v)),
        ),
        wsArb,
      ),
      {
        maxLength: 8,
      },
    ),
    wsArb,
  )
  .map(([before, open, elements, after]) => {
    const items = elements.map(([lead, v, trail]) => `${lead}${v}${trail}`);
    const text =
      elements.length === 0
        ? `${before}[${open}]${after}`
        : `${before}[${items.join(',')}]${after}`;
    return {
      bytes: Buffer.from(text),
      spans: elements.map(([, v, trail]) => Buffer.byteLength(`${v}${trail}`)),
    };
  });

// Text that is not a list of JSON: bytes at random, runs of the bytes JSON gives a meaning,
// a list cut short, bytes after a list, a list with one byte changed.
const GARBAGE = [
  '[',
  ']',
  '{',
  '}',
  ',',
  ':',
  '"',
  '\\',
  ' ',
  '\n',
  '1',
  '-',
  '.',
  'e',
  'n',
  'u',
  'l',
  't',
  'é',
  '😀',
];
const noiseArb = fc.oneof(
  fc.uint8Array({ maxLength: 48 }).map((a) => Buffer.from(a)),
  fc.array(fc.constantFrom(...GARBAGE), { maxLength: 24 }).map((s) => Buffer.from(s.join(''))),
  fc
    .array(fc.constantFrom(...GARBAGE), { maxLength: 24 })
    .map((s) => Buffer.from(`[${s.join('')}`)),
);
const damagedArb = fc.oneof(
  noiseArb,
  // Cut short anywhere, inside a character or an escape too.
  fc.tuple(listArb, fc.nat()).map(([l, n]) => l.bytes.subarray(0, n % (l.bytes.length + 1))),
  // Followed by more.
  fc.tuple(listArb, noiseArb).map(([l, noise]) => Buffer.concat([l.bytes, noise])),
  // One byte replaced, inserted or removed.
  fc
    .tuple(
      listArb,
      fc.nat(),
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('set', 'insert', 'remove'),
    )
    .map(([l, n, byte, how]) => {
      const at = n % Math.max(l.bytes.length, 1);
      const before = l.bytes.subarray(0, at);
      const rest = l.bytes.subarray(how === 'insert' ? at : at + 1);
      return Buffer.concat([
        before,
        how === 'remove' ? Buffer.alloc(0) : Buffer.from([byte]),
        rest,
      ]);
    }),
  // JSON that is no list.
  fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(` ${JSON.stringify(v)}`)),
);

/** The first byte that is not JSON white space, if any. */
const firstByte = (bytes: Buffer): number | undefined =>
  [...bytes].find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);

const RUNS = { numRuns: 300 };

describe('the list scanner, against JSON.parse of the whole text', () => {
  it('hands out the elements of any JSON list, in order, however its bytes are cut', () => {
    fc.assert(
      fc.property(listArb, chunkingArb, ({ bytes }, cut) => {
        const whole = parseWhole(bytes);
        expect(whole !== undefined && Array.isArray(whole.value)).toBe(true);
        expect(scan(cut(bytes))).toEqual({ values: whole?.value, stop: undefined });
      }),
      RUNS,
    );
  });

  it('stops on any text that is not a list of JSON, and hands out nothing JSON.parse would not', () => {
    fc.assert(
      fc.property(damagedArb, chunkingArb, (bytes, cut) => {
        const whole = parseWhole(bytes);
        const read = scan(cut(bytes));
        if (whole !== undefined && Array.isArray(whole.value)) {
          expect(read).toEqual({ values: whole.value, stop: undefined });
          return;
        }
        // No list of JSON: the scan stops, and says why as the API defines it: not-a-list
        // when the text starts as another JSON value would (it is not read on), else not-json.
        const first = firstByte(bytes);
        const startsOther =
          first !== undefined && first !== 0x5b && /[{"\-0-9tfn]/.test(String.fromCharCode(first));
        expect(read.stop).toEqual({ kind: startsOther ? 'not-a-list' : 'not-json' });
        if (whole !== undefined) expect(startsOther).toBe(true);
        // Elements handed out before a later stop are dropped by readList's caller on the stop.
        if (startsOther) expect(read.values).toEqual([]);
      }),
      RUNS,
    );
  });

  it('a list cut short hands out only whole elements of the list, then says not JSON', () => {
    fc.assert(
      fc.property(listArb, fc.nat(), chunkingArb, ({ bytes }, n, cut) => {
        const full = parseWhole(bytes)?.value as unknown[];
        const short = bytes.subarray(0, n % bytes.length);
        const read = scan(cut(short));
        if (parseWhole(short) !== undefined) return; // `[1] ` cut after its `]`
        expect(read.stop).toEqual({ kind: 'not-json' });
        expect(read.values).toEqual(full.slice(0, read.values.length));
      }),
      RUNS,
    );
  });

  it('refuses an element longer than the bound, whatever the chunking, and holds the ones up to it', () => {
    fc.assert(
      fc.property(listArb, fc.nat(), chunkingArb, ({ bytes, spans }, n, cut) => {
        const full = parseWhole(bytes)?.value as unknown[];
        const bound = n % (Math.max(0, ...spans) + 2);
        const first = spans.findIndex((span) => span > bound);
        const read = scan(cut(bytes), bound);
        if (first === -1) expect(read).toEqual({ values: full, stop: undefined });
        else
          expect(read).toEqual({
            values: full.slice(0, first),
            stop: { kind: 'element-too-large' },
          });
      }),
      RUNS,
    );
  });
});

describe('readList, against the bound on the whole list', () => {
  it('reads a list up to maxBytes whatever the chunking, and never one past it', async () => {
    await fc.assert(
      fc.asyncProperty(listArb, fc.nat(), cutsArb, async ({ bytes }, n, cuts) => {
        const maxBytes = n % (bytes.length * 2 + 1);
        const chunks = chunked(bytes, cuts).filter((c) => c.length > 0);
        const stream = Readable.from(chunks);
        const values: unknown[] = [];
        const read = await readList(stream, { maxBytes, maxElementBytes: 1 << 20 }, (v) =>
          values.push(v),
        );
        if (bytes.length <= maxBytes) {
          expect(read).toEqual({ ok: true });
          expect(values).toEqual(parseWhole(bytes)?.value);
        } else {
          expect(read).toEqual({ ok: false, kind: 'too-large' });
          expect(stream.destroyed).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
