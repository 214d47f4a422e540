import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Tally, urlPasswordSpans } from '../../src/report/url-password.js';

/** The pattern the spans are defined by: fine on a short line, quadratic on a long one. */
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:'"]*:)(?:\S+|[^,{}[\]]+|.+)(?=@)/gi;

const byPattern = (text: string) =>
  [...text.matchAll(URL_PASSWORD)].map((m) => ({
    start: m.index + (m[1] ?? '').length,
    end: m.index + m[0].length,
  }));

/** Pieces a line of URLs, flow maps and passwords is made of, the awkward ones included. */
const PIECES = [
  'a',
  'Z',
  'pg',
  '1',
  '+',
  '.',
  '-',
  ':',
  '/',
  '://',
  'x://u:',
  '?',
  '#',
  '@',
  "'",
  '"',
  ' ',
  '\t',
  ',',
  '{',
  '}',
  '[',
  ']',
  '\r',
  '\u2028',
  '\u00a0',
  '=',
  'é',
];

describe('the password of a URL in a line', () => {
  it('is found where the pattern finds it', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }), (pieces) => {
        const text = pieces.join('');
        expect(urlPasswordSpans(text)).toEqual(byPattern(text));
      }),
      { numRuns: 20000 },
    );
    for (const text of [
      'url: postgres://ops:pw@db/ops',
      '{base_url: "https://u:p w@vg.example.com", api_key: x}',
      'a: x://u:p, b: c@d',
      'a: x://u:p q, b: c@d',
      'x://u:a@b x://v:c@d',
      '1+x://u:pw@h',
      'x://u:@',
      'ab://u://v:w@x',
    ]) {
      expect(urlPasswordSpans(text)).toEqual(byPattern(text));
    }
  });

  it('takes steps linear in a long line, where the pattern backtracks over it', () => {
    const n = 200_000;
    const lines = [
      `calls: [{tag: "${'a'.repeat(n)}"}, bogus: 1]`,
      `${'h://u:8080/x,'.repeat(n / 13)} mail@example.com`,
      `${'a1+.-'.repeat(n / 5)}://u:p@h`,
      `${'x://u:'.repeat(n / 6)}@`,
    ];
    for (const line of lines) {
      const tally: Tally = { steps: 0 };
      urlPasswordSpans(line, tally);
      expect(tally.steps).toBeLessThanOrEqual(2 * line.length);
    }
  });
});
