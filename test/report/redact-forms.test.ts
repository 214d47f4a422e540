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

  it('cut off before an ellipsis inside the text, as a quoted preview ends', () => {
    const r = makeRedactor([{ name: 'K', value: 'sk-live-0123456789abcdef' }]);
    expect(r('got string "pasted: sk-live-0123…"')).toBe('got string "pasted: ${K}…"');
    expect(r('got string "pasted: sk-live-0123…" (a hint)')).toBe(
      'got string "pasted: ${K}…" (a hint)',
    );
    expect(r('a sk-live-01... b SK-LIVE-0123456…')).toBe('a ${K}... b ${K}…');
    // JSON-escaped, as a JSON text shows the preview.
    expect(r('{"m":"got string \\"x sk-live-0123\\u2026\\""}')).toBe(
      '{"m":"got string \\"x ${K}\\u2026\\""}',
    );
    // Shorter than 6 characters before the ellipsis, or not a start of the value: left alone.
    expect(r('got "sk-li…" and "live-0123…"')).toBe('got "sk-li…" and "live-0123…"');
  });

  it('cut off without an ellipsis before a quote, a bracket or white space (8 characters or more)', () => {
    const r = makeRedactor([{ name: 'K', value: `sEcReT-<script>&"'9f3k` }]);
    expect(r('invalid token "sEcReT-<scr" (truncated)')).toBe('invalid token "${K}" (truncated)');
    expect(r('{"msg":"invalid token \\"sEcReT-<scr\\" (truncated)"}')).toBe(
      '{"msg":"invalid token \\"${K}\\" (truncated)"}',
    );
    expect(r('token (sEcReT-<s) and [sEcReT-<sc], sEcReT-<scri\nnext')).toBe(
      'token (${K}) and [${K}], ${K}\nnext',
    );
    // Up to a quote of its own that the text goes on past: the quote may close the preview.
    expect(r(`bad sEcReT-<script>&"x`)).toBe('bad ${K}"x');
    // Shorter than 8 characters, or followed by a letter: left alone.
    expect(r('a "sEcReT-" b')).toBe('a "sEcReT-" b');
    expect(r('a sEcReT-<scrX b')).toBe('a sEcReT-<scrX b');
  });

  it("a URL's scheme alone is no piece of it: one character past `scheme://` is", () => {
    const url = 'postgres://canary:Pw-4821@db.internal:5432/postgres';
    const r = makeRedactor([{ name: 'CALLOPS_DATABASE_URL', value: url }]);
    for (const text of [
      'permission denied for database postgres',
      '  backend: postgres',
      'use postgres…',
      'a url starts postgres://',
      'in JSON: postgres:\\/\\/',
      'encoded: postgres%3A%2F%2F',
    ]) {
      expect(r(text)).toBe(text);
    }
    expect(r('got "postgres://c…"')).toBe('got "${CALLOPS_DATABASE_URL}…"');
    expect(r('dsn postgres://canary:Pw')).toBe('dsn ${CALLOPS_DATABASE_URL}');
    expect(r(`x ${url} y`)).toBe('x ${CALLOPS_DATABASE_URL} y');
    // A value that is no URL keeps every start of it hidden, a word of it too (a passphrase).
    const words = makeRedactor([{ name: 'PASS', value: 'postgres-horse-battery' }]);
    expect(words('permission denied for database postgres')).toBe(
      'permission denied for database ${PASS}',
    );
  });
});

describe('a secret percent-encoded as any encoder writes it', () => {
  /** Each UTF-8 byte outside `keep` as `%XX`, hex in upper or lower case. */
  const percent = (text: string, keep: RegExp, lower = false): string =>
    [...Buffer.from(text, 'utf8')]
      .map((b) => {
        const c = String.fromCharCode(b);
        if (b < 0x80 && keep.test(c)) return c;
        const hex = b.toString(16).padStart(2, '0');
        return `%${lower ? hex : hex.toUpperCase()}`;
      })
      .join('');

  it("Python's quote and Go's PathEscape: `'` escaped, `~` raw", () => {
    const r = makeRedactor([{ name: 'VG_API_KEY', value: "s3cr3t'Key~2024", always: true }]);
    expect(r('invalid token s3cr3t%27Key~2024')).toBe('invalid token ${VG_API_KEY}');
    const note = makeRedactor([{ name: 'NOTE', value: "it's a key~" }]);
    expect(note('n=it%27s%20a%20key~&x')).toBe('n=${NOTE}&x');
    expect(note('n=it%27s+a+key~&x')).toBe('n=${NOTE}&x');
  });

  it('encodeURI (a space as %20, `/` raw), lower-case hex, every byte escaped', () => {
    const value = "a b/c'~ü-key";
    const r = makeRedactor([{ name: 'K', value }]);
    for (const shown of [
      encodeURI(value),
      encodeURI(value).toLowerCase(),
      percent(value, /$^/),
      percent(value, /$^/, true),
      percent(value, /[a-z]/, true),
    ]) {
      expect(r(`tok=${shown}&x=1`), shown).toBe('tok=${K}&x=1');
    }
  });

  it('encoded twice, or as escape() writes it (`%uXXXX`, Latin-1 bytes)', () => {
    const value = "a b/c'~ü-key";
    const r = makeRedactor([{ name: 'K', value }]);
    expect(r(`(${encodeURIComponent(encodeURIComponent(value))})`)).toBe('(${K})');
    expect(r('(a%20b/c%27%7E%FC-key)')).toBe('(${K})');
    expect(r('(a%20b/c%27%7E%u00FC-key)')).toBe('(${K})');
  });

  it('only the escapes of the value are replaced; other escapes stay as they are', () => {
    const r = makeRedactor([{ name: 'K', value: "s3cr3t'Key~2024" }]);
    expect(r('path=%2Fv1%2Fs3cr3t%27Key%7E2024%2Fx 100%25 %ZZ %E2%82')).toBe(
      'path=%2Fv1%2F${K}%2Fx 100%25 %ZZ %E2%82',
    );
  });

  it('property: any mix of raw characters and escapes, in either case, `+` for a space', () => {
    const secret = fc.string({
      unit: fc.constantFrom('a', 'B', '7', 'é', '/', '+', '"', ' ', '<', '&', "'", '~', '%'),
      minLength: 8,
      maxLength: 16,
    });
    fc.assert(
      fc.property(
        secret,
        fc.array(fc.constantFrom('raw', 'upper', 'lower'), { minLength: 16 }),
        fc.boolean(),
        (value, how, form) => {
          fc.pre(value === value.trim() && value.replace(/\s/g, '').length >= 8);
          const shown = [...value]
            .map((c, i) => {
              const mode = how[i % how.length];
              // A form writes each space as `+`, so it escapes a `+`.
              if (form && c === ' ') return '+';
              // A raw `%` before hex digits would read as an escape: escaped always.
              if (mode === 'raw' && c !== '%' && !(form && c === '+')) return c;
              return percent(c, /$^/, mode === 'lower');
            })
            .join('');
          const out = makeRedactor([{ name: 'S', value }])(`x ${shown} y`);
          expect(out, shown).toBe('x ${S} y');
        },
      ),
      { numRuns: 400 },
    );
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

describe('a short value (under 8 characters)', () => {
  it('is found only as written: ordinary words, dates and sids around it stay whole', () => {
    const message =
      'Product code 1234 rejected on 2026-12-01: application 00000000-0000-4000-8000-000000000000 not found; user name invalid';
    for (const value of ['prod', 'mein', 'Code', 'TION', '1234r', 'tfound'])
      expect(makeRedactor([{ name: 'STAGE', value }])(message), value).toBe(message);
    // As written it is still a secret, in the forms callops sends it in.
    const r = makeRedactor([{ name: 'STAGE', value: 'pr"od' }]);
    expect(r('stage pr"od, body {"stage":"pr\\"od"}')).toBe(
      'stage ${STAGE}, body {"stage":"${STAGE}"}',
    );
  });
});

describe('an api key under 4 characters', () => {
  const key = (value: string, name = 'VG_API_KEY') => makeRedactor([{ name, value, always: true }]);

  it('is replaced where it stands as a whole word, as written and as an echo encodes it', () => {
    expect(key('a')('Bearer a rejected; key=a&x; "a"')).toBe(
      'Bearer ${VG_API_KEY} rejected; key=${VG_API_KEY}&x; "${VG_API_KEY}"',
    );
    expect(key('1')('got 1, line 12, 2.1')).toBe('got ${VG_API_KEY}, line 12, 2.${VG_API_KEY}');
    expect(key('a/b')('{"k":"a\\/b"} k=a%2Fb')).toBe('{"k":"${VG_API_KEY}"} k=${VG_API_KEY}');
  });

  it('leaves words holding it whole, and never blanks a message its marker holds', () => {
    for (const value of ['a', 'e', 'y', '1', 'VG', 'KEY', 'red']) {
      const text = `calls/main.yaml: must be an integer, got string "nope" (VG_API_KEY, redacted)`;
      expect(key(value)(text), value).toBe(text);
    }
    // A value its marker, the neutral marker and the withheld notice all hold: punctuation
    // alone under 4 characters is no word, and no secret; the text is left as it is.
    expect(key('[', 'api_key of target [x]')('x [ y')).toBe('x [ y');
    // From 4 characters on, it is hidden as any value is.
    expect(key('[[[[')('x [[[[ y')).toBe('x ${VG_API_KEY} y');
  });
});

describe('a boolean word (true, false, yes, no, on, off: any case)', () => {
  it('is no secret: a setting such as DEBUG=true never rewrites "true or false"', () => {
    const r = makeRedactor([
      { name: 'DEBUG', value: 'true' },
      { name: 'MODE', value: 'False ' },
      { name: 'ASK', value: 'YES' },
      { name: 'TOKEN', value: 'Zq7tokenW3x' },
    ]);
    const text = 'must be true or false, got string "yes" (write true or false) Zq7tokenW3x';
    expect(r(text)).toBe('must be true or false, got string "yes" (write true or false) ${TOKEN}');
    expect(r.holds?.('true')).toBe(false);
  });

  it('is still hidden when it is the api key, which is hidden whatever it is', () => {
    const r = makeRedactor([{ name: 'VG_API_KEY', value: 'true', always: true }]);
    expect(r('Bearer true')).toBe('Bearer ${VG_API_KEY}');
  });
});

describe("a value inside callops' own words (a diagnostic's vocabulary)", () => {
  const r = makeRedactor([
    { name: 'TZ_NAME', value: 'Europe/Berlin' },
    { name: 'KIND', value: 'phone' },
    { name: 'VG_API_KEY', value: 'timeout', always: true },
  ]);

  it('is left within them, and replaced in the text around them', () => {
    expect(
      r('unknown time zone `Europe/Berln` — did you mean `Europe/Berlin`?', ['Europe/Berlin']),
    ).toBe('unknown time zone `Europe/Berln` — did you mean `Europe/Berlin`?');
    expect(r('must be one of `phone`, `sip`, got string "Europe/Berlin"', ['phone', 'sip'])).toBe(
      'must be one of `phone`, `sip`, got string "${TZ_NAME}"',
    );
    // Without a vocabulary, as before: every occurrence.
    expect(r('did you mean `Europe/Berlin`?')).toBe('did you mean `${TZ_NAME}`?');
  });

  it('is replaced where it runs past them (a longer secret holding the word)', () => {
    const long = makeRedactor([{ name: 'LONG', value: 'sk-phone-secret-01' }]);
    expect(long('got "sk-phone-secret-01", one of `phone`', ['phone'])).toBe(
      'got "${LONG}", one of `phone`',
    );
  });

  it('never spares the api key or another `always` secret', () => {
    expect(r('unknown option `timout` — did you mean `timeout`?', ['timeout'])).toBe(
      'unknown option `timout` — did you mean `${VG_API_KEY}`?',
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

describe('property: no echo of a secret survives, wrapped, split, encoded or case-changed', () => {
  // Secrets from letters and symbols; the text around them from digits, '~', '.' and spaces.
  const secret = fc.string({
    unit: fc.constantFrom('a', 'b', 'X', 'Y', 'é', '/', '+', '"', '\\', '<', '&', "'", ' '),
    minLength: 8,
    maxLength: 16,
  });
  const filler = fc.string({ unit: fc.constantFrom('0', '1', '~', '.', ' '), maxLength: 8 });
  const BREAKS = [' ', '\n', '\r\n', '\t', '\u200b', '\u00ad'];
  const b64 = (text: string, url: boolean) =>
    Buffer.from(text, 'utf8').toString(url ? 'base64url' : 'base64');
  const FORMS = ['raw', 'upper', 'json', 'url', 'html', 'b64', 'b64json', 'b64url'] as const;
  const json = (value: string) => JSON.stringify(value).slice(1, -1);
  const write = (value: string, form: (typeof FORMS)[number], lead: string): string => {
    if (form === 'upper') return value.toUpperCase();
    if (form === 'json') return json(value);
    if (form === 'url') return encodeURIComponent(value);
    if (form === 'html') return value.replace(/[&<"']/g, (c) => `&#${c.charCodeAt(0)};`);
    // Inside a longer base64 text, at the alignment `lead` gives it.
    if (form === 'b64') return b64(`${lead}${value}${lead}`, false);
    if (form === 'b64json') return b64(`{"note":"${lead}${json(value)}"}`, false);
    if (form === 'b64url') return b64(`${lead}${encodeURIComponent(value)}`, true);
    return value;
  };
  /** The text with breaks put in at the given places (as a wrapped line or MIME base64). */
  const wrap = (text: string, cuts: readonly [number, number][]): string => {
    let out = text;
    for (const [at, which] of [...cuts].sort((a, b) => b[0] - a[0])) {
      const i = at % (out.length + 1);
      out = out.slice(0, i) + (BREAKS[which % BREAKS.length] ?? ' ') + out.slice(i);
    }
    return out;
  };
  const squeezed = (text: string) => text.replace(/[\s\u200b\u00ad]/g, '');
  /** Whether any base64 or base64url run of the text, at any alignment, decodes to a needle. */
  const decodesTo = (text: string, needles: readonly Buffer[]): boolean => {
    for (const run of squeezed(text).match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
      const std = run.replaceAll('-', '+').replaceAll('_', '/');
      for (let skip = 0; skip < 4; skip++) {
        const bytes = Buffer.from(std.slice(skip), 'base64');
        if (needles.some((n) => bytes.includes(n))) return true;
      }
    }
    return false;
  };

  it('the output never holds a secret, nor base64 that decodes to one', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(secret, { minLength: 1, maxLength: 3 }),
        fc.array(
          fc.record({
            before: filler,
            which: fc.nat(),
            form: fc.constantFrom(...FORMS),
            lead: fc.constantFrom('', '0', '01'),
            cuts: fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        filler,
        (values, parts, end) => {
          // Long enough to be looked for in every way (shorter ones only as written).
          fc.pre(values.every((v) => squeezed(v).length >= 8));
          const r = makeRedactor(values.map((value, i) => ({ name: `S${i}`, value })));
          const text =
            parts
              .map(
                (p) =>
                  p.before +
                  wrap(write(values[p.which % values.length] ?? '', p.form, p.lead), p.cuts),
              )
              .join('') + end;
          const out = r(text);
          const flat = squeezed(out).toLowerCase();
          for (const value of values) {
            for (const shown of [value, json(value), encodeURIComponent(value)]) {
              expect(flat, text).not.toContain(squeezed(shown).toLowerCase());
            }
            const needles = [value, json(value), encodeURIComponent(value)].map((v) =>
              Buffer.from(v, 'utf8'),
            );
            expect(decodesTo(out, needles), `${text}\n${out}`).toBe(false);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('echoes a gateway may send back', () => {
  const KEY = 'CanaryKey0123456789abcdefXYZ';
  const r = makeRedactor([
    { name: 'VG_API_KEY', value: KEY, always: true },
    { name: 'NOTE', value: 'Tok"enSecret42' },
    { name: 'VG_ACCOUNT_SID', value: 'ca9a21e5-5eed-4bad-8f3a-1cca9a21e500' },
  ]);
  const mime = (text: string) =>
    (
      Buffer.from(text, 'utf8')
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\r\n');

  it('base64 wrapped at 76 columns with CRLF, and as a message flattens it', () => {
    const body = mime(`Request headers: authorization=Bearer ${KEY}`);
    expect(body).toContain('\r\n');
    for (const text of [body, body.replace(/\s+/g, ' ')]) {
      const out = r(`bad request, you sent: ${text}`);
      expect(out).toContain('${VG_API_KEY}');
      expect(
        Buffer.from(out.replace(/\s+/g, '').split(':').at(-1) ?? '', 'base64').toString(),
      ).not.toContain('Canary');
    }
  });

  it('a value wrapped across lines, or split by invisible characters', () => {
    expect(r(`Authorization: Bearer ${KEY.slice(0, 17)}\n${KEY.slice(17)} end`)).toBe(
      'Authorization: Bearer ${VG_API_KEY} end',
    );
    expect(r(`Bearer ${KEY.slice(0, 17)} ${KEY.slice(17)}`)).toBe('Bearer ${VG_API_KEY}');
    expect(r(`k=${KEY.slice(0, 5)}\u200b${KEY.slice(5, 9)}\u00ad${KEY.slice(9)}.`)).toBe(
      'k=${VG_API_KEY}.',
    );
  });

  it('the JSON-escaped value in a base64 request body, also inside a JSON text', () => {
    const body = Buffer.from(JSON.stringify({ tag: { note: 'Tok"enSecret42' } })).toString(
      'base64',
    );
    expect(r(`echo ${body}`)).toContain('${NOTE}');
    const wrapped = JSON.stringify({
      debug: mime(`${'request '.repeat(8)}${JSON.stringify({ n: 'Tok"enSecret42' })}`),
    });
    expect(wrapped).toContain('\\r\\n');
    expect(r(wrapped)).toContain('${NOTE}');
  });

  it('a value upper-cased (a UUID as some servers print it)', () => {
    expect(r('account CA9A21E5-5EED-4BAD-8F3A-1CCA9A21E500 unknown')).toBe(
      'account ${VG_ACCOUNT_SID} unknown',
    );
    expect(r(`/Accounts/${'ca9a21e5-5eed-4bad-8f3a-1cca9a21e500'.toUpperCase()}/Calls`)).toContain(
      '${VG_ACCOUNT_SID}',
    );
  });
});

describe('echoes that rewrote the characters of the request', () => {
  // Non-ASCII letters that differ in every rewriting below (`€` has a byte Latin-1 and
  // Windows-1252 read differently), and a `"`, which each JSON level escapes again.
  const NOTE = 'Tök"en-Sécret€42';
  const SHORT = 'Pä"ß9';
  const r = makeRedactor([
    { name: 'NOTE', value: NOTE },
    { name: 'SHORT', value: SHORT },
  ]);
  const body = JSON.stringify({ tag: { note: NOTE, short: SHORT } });
  const latin1 = (t: string) => Buffer.from(t, 'utf8').toString('latin1');
  const cp1252 = (t: string) => new TextDecoder('windows-1252').decode(Buffer.from(t, 'utf8'));
  /** What a text must not show of the secrets however it is read. */
  const clean = (out: string) => {
    for (const v of [NOTE, SHORT]) {
      for (const form of [v, latin1(v), cp1252(v), ...['NFD', 'NFKD'].map((f) => v.normalize(f))]) {
        for (const shown of [form, JSON.stringify(form).slice(1, -1)]) {
          expect(out).not.toContain(shown);
        }
      }
    }
    expect(out).not.toContain('Secret');
    expect(out).not.toMatch(/S.?.?cret/);
  };

  it('mojibake: the UTF-8 request read as Latin-1 or Windows-1252', () => {
    for (const decode of [latin1, cp1252]) {
      const out = r(`lat1 ${decode(body)}`);
      expect(out).toBe('lat1 {"tag":{"note":"${NOTE}","short":"${SHORT}"}}');
    }
  });

  it('Unicode normalisation: NFD, NFC, NFKC and NFKD of the value and of its echo', () => {
    for (const form of ['NFD', 'NFC', 'NFKC', 'NFKD'] as const) {
      const out = r(`nfd ${body.normalize(form)}`);
      clean(out);
      expect(out).toContain('${NOTE}');
    }
    // A value written decomposed (a file saved on macOS), echoed composed.
    const decomposed = makeRedactor([{ name: 'D', value: 'Sécret-Wört-42'.normalize('NFD') }]);
    expect(decomposed('x Sécret-Wört-42 y'.normalize('NFC'))).toBe('x ${D} y');
  });

  it('JSON nested three, four and five levels deep, each escaping `"` and `\\` again', () => {
    let text = body;
    for (let depth = 2; depth <= 5; depth++) {
      text = JSON.stringify({ inner: text });
      const out = r(text);
      clean(out);
      expect(out, `depth ${depth}`).toContain('${NOTE}');
      expect(out).toContain('${SHORT}');
    }
  });

  it('mojibake then JSON escaping, raw or as \\u escapes, and percent-encoded in either case', () => {
    const mojibake = latin1(body);
    for (const text of [
      JSON.stringify({ msg: mojibake }),
      JSON.stringify({ msg: mojibake }).replace(
        /[\u0080-\uffff]/g,
        (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
      ),
      JSON.stringify({ msg: JSON.stringify({ inner: cp1252(body) }) }),
      encodeURIComponent(mojibake),
      encodeURIComponent(mojibake).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    ]) {
      const out = r(text);
      clean(out);
      expect(out).toContain('${NOTE}');
    }
  });

  it('a value of ASCII only gets no variants: its text is searched as before', () => {
    const ascii = makeRedactor([{ name: 'A', value: 'plain-Ascii-42' }]);
    expect(ascii('Ã¼ plain-Ascii-42 ü')).toBe('Ã¼ ${A} ü');
  });
});
