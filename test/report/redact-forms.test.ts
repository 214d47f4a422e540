// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} markers are the expected output
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeRedactor } from '../../src/report/redact.js';

describe('secrets that overlap', () => {
  it('leaves no piece of either when two values overlap in the text', () => {
    const r = makeRedactor([
      { name: 'A', value: 'abcd' },
      { name: 'B', value: 'cdefgh' },
    ]);
    expect(r('xx abcdefgh yy')).toBe('xx ${A}${B} yy');
    expect(r('xx cdefghab abcd')).toBe('xx ${B}ab ${A}');
  });

  it('shows one marker for repeats of one value that overlap', () => {
    expect(makeRedactor([{ name: 'A', value: 'aaaa' }])('x aaaaaa y')).toBe('x ${A} y');
  });

  it('treats regular-expression characters in a value as plain text', () => {
    const value = 'a.b*c+d?(e)[f]{g}|h^$\\';
    const r = makeRedactor([{ name: 'R', value }]);
    expect(r(`<${value}>`)).toBe('<${R}>');
    expect(r('aXbbbc+d?(e)[f]{g}|h^$\\')).toBe('aXbbbc+d?(e)[f]{g}|h^$\\');
  });
});

describe('a secret as other programs write it', () => {
  it('with its white space flattened or its line breaks changed', () => {
    const r = makeRedactor([{ name: 'ML', value: 'line-one\nline-two' }]);
    expect(r('key was line-one line-two ok')).toBe('key was ${ML} ok');
    expect(r('key was line-one\r\nline-two ok')).toBe('key was ${ML} ok');
    expect(r('{"k":"line-one\\nline-two"}')).toBe('{"k":"${ML}"}');
  });

  it('JSON with an escaped slash, or with non-ASCII and HTML characters as \\u escapes', () => {
    const slash = makeRedactor([{ name: 'K', value: 'ab/cd+ef==' }]);
    expect(slash('{"msg":"bad key ab\\/cd+ef=="}')).toBe('{"msg":"bad key ${K}"}');
    const accents = makeRedactor([{ name: 'K', value: 'sécret<&>kéy' }]);
    expect(accents('{"m":"s\\u00e9cret\\u003c\\u0026\\u003ek\\u00e9y"}')).toBe('{"m":"${K}"}');
    expect(accents('{"m":"s\\u00E9cret\\u003C\\u0026\\u003Ek\\u00E9y"}')).toBe('{"m":"${K}"}');
  });

  it('form-encoded, or percent-encoded with lower-case hex', () => {
    const r = makeRedactor([{ name: 'K', value: "it's (a) key!" }]);
    expect(new URLSearchParams({ k: "it's (a) key!" }).toString()).toBe('k=it%27s+%28a%29+key%21');
    expect(r('k=it%27s+%28a%29+key%21')).toBe('k=${K}');
    const b64 = makeRedactor([{ name: 'K', value: 'ab/cd+ef==' }]);
    expect(b64('k=ab%2fcd%2bef%3d%3d')).toBe('k=${K}');
  });

  it('HTML-escaped with named, decimal or hex references, in either case', () => {
    const r = makeRedactor([{ name: 'K', value: `ab/"&<>'ü-cd` }]);
    expect(r('<p>ab/&quot;&amp;&lt;&gt;&#39;&uuml;-cd</p>')).toBe('<p>${K}</p>');
    expect(r('ab&#47;&#34;&#38;&#60;&#62;&#039;&#252;&#45;cd!')).toBe('${K}!');
    expect(r('ab&#x2F;&#x22;&#x26;&#x3c;&#x3E;&#x27;&#xFC;-cd')).toBe('${K}');
    expect(r('ab&sol;&quot;&amp;&lt;&gt;&apos;ü-cd')).toBe('${K}');
    // A JSON-escaped value inside an HTML page.
    expect(r('{&quot;k&quot;:&quot;ab/\\&quot;&amp;&lt;&gt;&#39;\\u00fc-cd&quot;}')).toBe(
      '{&quot;k&quot;:&quot;${K}&quot;}',
    );
    expect(r('a &amp; b &lt;ok&gt;')).toBe('a &amp; b &lt;ok&gt;');
  });

  it('in base64 at any alignment inside a longer base64 text, and in base64url', () => {
    const value = `Zq8/+"&<>'ü-Kd`;
    const r = makeRedactor([{ name: 'K', value }]);
    const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
    for (const prefix of ['', 'u', 'us', 'user:', 'callops:']) {
      for (const suffix of ['', '!', '!?', '!?#']) {
        const text = `Authorization: Basic ${b64(`${prefix}${value}${suffix}`)}`;
        const out = r(text);
        expect(out, text).toContain('${K}');
        expect(Buffer.from(out.split(' ').at(-1) ?? '', 'base64').toString('utf8')).not.toContain(
          'Kd',
        );
      }
    }
    const url = Buffer.from(`x${value}`, 'utf8').toString('base64url');
    expect(r(`token=${url}`)).toContain('${K}');
    // A value too short for a distinctive base64 run is left alone there.
    expect(makeRedactor([{ name: 'S', value: 'abcd' }])(`x ${b64('abcd')}`)).toBe('x YWJjZA==');
  });

  it('cut off at the end of a shortened message', () => {
    const r = makeRedactor([{ name: 'K', value: 'sk-live-0123456789abcdef' }]);
    expect(r('invalid token sk-live-01234567…')).toBe('invalid token ${K}…');
    expect(r('invalid token sk-live-0123')).toBe('invalid token ${K}');
    expect(r('see sk-l')).toBe('see sk-l');
    expect(r('see sk-liv')).toBe('see ${K}');
  });
});

describe('property: no form of any secret survives', () => {
  // Secrets are built from letters and symbols; the text around them from digits and '~'.
  const secret = fc.string({
    unit: fc.constantFrom('a', 'b', 'c', 'é', '/', '+', '"', '\\', ' ', '\n', '<', '&', "'"),
    minLength: 4,
    maxLength: 12,
  });
  const filler = fc.string({ unit: fc.constantFrom('0', '1', '~', ':'), maxLength: 6 });
  const FORMS = ['raw', 'json', 'slash', 'ascii', 'url', 'form', 'flat'] as const;
  const write = (value: string, form: (typeof FORMS)[number]): string => {
    const json = JSON.stringify(value).slice(1, -1);
    const ascii = json.replace(
      /[<>&\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    if (form === 'json') return json;
    if (form === 'slash') return json.replaceAll('/', '\\/');
    if (form === 'ascii') return ascii;
    if (form === 'url') return encodeURIComponent(value);
    if (form === 'form') return new URLSearchParams({ k: value }).toString().slice(2);
    if (form === 'flat') return value.replace(/\s+/g, ' ');
    return value;
  };

  it('each secret, in any form, anywhere in the text, is gone', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(secret, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(filler, fc.nat(), fc.constantFrom(...FORMS)), { maxLength: 5 }),
        filler,
        (values, parts, end) => {
          fc.pre(values.every((v) => v.trim().length >= 4));
          const r = makeRedactor(values.map((value, i) => ({ name: `S${i}`, value })));
          const text =
            parts
              .map(([before, i, form]) => before + write(values[i % values.length] ?? '', form))
              .join('') + end;
          const out = r(text);
          for (const value of values) {
            for (const form of FORMS) {
              const shown = write(value, form);
              if (shown.trim().length >= 4) expect(out).not.toContain(shown);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('a value with white space around it', () => {
  it('is found trimmed too', () => {
    const r = makeRedactor([{ name: 'K', value: ' key-abcdef\n' }]);
    expect(r('bad key "key-abcdef".')).toBe('bad key "${K}".');
  });
});

describe('a value of white space only', () => {
  it('is not redacted: it would match every space of the output', () => {
    const r = makeRedactor([{ name: 'BLANK', value: '    ', always: true }]);
    expect(r('a b    c\n')).toBe('a b    c\n');
  });
});
