// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathSegments } from '../../src/config/types.js';
import { makeRedactor, redactDeep } from '../../src/report/redact.js';
import { interpolate, resolveCall } from '../../src/resolve/index.js';
import type { CallDefinition } from '../../src/validate/model.js';

const CANARY = 'canary-7f3a "quoted" \\ back/slash & more';

describe('makeRedactor', () => {
  const redact = makeRedactor([{ name: 'VG_API_KEY', value: CANARY }]);

  it('replaces a plain occurrence with the reference', () => {
    expect(redact(`Authorization: Bearer ${CANARY}!`)).toBe('Authorization: Bearer ${VG_API_KEY}!');
  });

  it('replaces the JSON-escaped form', () => {
    const json = JSON.stringify({ key: CANARY, other: 1 });
    expect(json).not.toContain(CANARY);
    expect(redact(json)).toBe('{"key":"${VG_API_KEY}","other":1}');
  });

  it('replaces the URL-encoded forms', () => {
    const url = `https://x.test/?k=${encodeURIComponent(CANARY)}&z=1`;
    expect(redact(url)).toBe('https://x.test/?k=${VG_API_KEY}&z=1');
    const form = `k=${encodeURIComponent(CANARY).replaceAll('%20', '+')}`;
    expect(redact(form)).toBe('k=${VG_API_KEY}');
  });

  it('ignores short values unless always secret', () => {
    const r = makeRedactor([
      { name: 'ONE', value: '1' },
      { name: 'YES', value: 'yes' },
      { name: 'api_key of target prod', value: 'k9', always: true },
    ]);
    expect(r('1 yes k9')).toBe('1 yes [api_key of target prod]');
  });

  it('never looks for a short value that holds no letter, digit or _: punctuation is no word', () => {
    const r = makeRedactor([
      { name: 'CALLOPS_WEBHOOK_SECRET', value: ' , ', always: true },
      { name: 'VG_API_KEY', value: '-', always: true },
    ]);
    const text = 'set A (or B, comma-separated), a - b';
    expect(r(text)).toBe(text);
  });

  it('replaces the longest value first', () => {
    const r = makeRedactor([
      { name: 'SHORT', value: 'abcd1234' },
      { name: 'LONG', value: 'abcd12345678' },
    ]);
    expect(r('abcd12345678 abcd1234')).toBe('${LONG} ${SHORT}');
  });

  it('never leaves a value that a marker happens to rebuild', () => {
    const r = makeRedactor([{ name: 'PROD', value: 'PROD' }]);
    expect(r('PROD')).not.toContain('PROD');
  });

  it('leaves text without secrets alone', () => {
    expect(makeRedactor([])('anything')).toBe('anything');
    expect(redact('nothing here')).toBe('nothing here');
  });
});

describe('redactDeep', () => {
  it('redacts every string, keys included, without changing the input', () => {
    const r = makeRedactor([{ name: 'TOKEN', value: 'tok-123456' }]);
    const input = { a: ['x tok-123456', 2, null], 'tok-123456': { b: 'tok-123456' } };
    expect(redactDeep(input, r)).toEqual({
      a: ['x ${TOKEN}', 2, null],
      '${TOKEN}': { b: '${TOKEN}' },
    });
    expect(input.a[0]).toBe('x tok-123456');
  });
});

describe('properties', () => {
  const name = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,8}$/);
  // '#' never appears in names, keys or the literal text below: a value cannot occur by chance.
  const value = fc.string({ minLength: 2, maxLength: 12 }).map((s) => `#${s}`);
  const literal = fc.stringMatching(/^[a-z ]{0,6}$/);

  it('missing-variable and malformed messages never carry a value from the environment', () => {
    fc.assert(
      fc.property(
        fc.dictionary(name, value, { maxKeys: 5 }),
        fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom('timeout', 'timeLimit'), fc.stringMatching(/^[a-z]{1,6}$/)),
            fc.array(fc.tuple(literal, name), { maxLength: 3 }),
          ),
        ),
        fc.boolean(),
        (env, fields, broken) => {
          const options: Record<string, unknown> = {};
          for (const [key, parts] of fields) {
            options[key] =
              parts.map(([text, ref]) => `${text}\${${ref}}`).join('') + (broken ? '${' : '');
          }
          const def: CallDefinition = {
            name: 'p',
            file: 'calls/p.yaml',
            line: 1,
            column: 1,
            enabled: true,
            options,
            definition: 'sha256:p',
            locate: (_: PathSegments) => ({ file: 'calls/p.yaml', path: '', line: 1, column: 1 }),
          };
          const r = resolveCall(def, env);
          const told = JSON.stringify([
            r.ok ? [] : r.diagnostics,
            interpolate(options, env).missing,
          ]);
          for (const v of Object.values(env)) expect(told).not.toContain(v);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a redacted text never contains the secret, in any form', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 4, maxLength: 16 }),
        fc.array(fc.string({ maxLength: 8 }), { maxLength: 4 }),
        fc.constantFrom<'raw' | 'json' | 'url'>('raw', 'json', 'url'),
        name,
        (secret, around, form, varName) => {
          // A value of white space only is not redacted: it would match every space.
          fc.pre(secret.trim() !== '');
          const shown =
            form === 'raw'
              ? secret
              : form === 'json'
                ? JSON.stringify(secret).slice(1, -1)
                : (() => {
                    try {
                      return encodeURIComponent(secret);
                    } catch {
                      return secret;
                    }
                  })();
          const text = around.join(shown) + shown;
          const out = makeRedactor([{ name: varName, value: secret }])(text);
          expect(out).not.toContain(secret);
          expect(out).not.toContain(shown);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('text holding no secret passes unchanged', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4 }), fc.string(), (secret, text) => {
        fc.pre(!text.includes(secret) && !text.includes(JSON.stringify(secret).slice(1, -1)));
        let url = secret;
        try {
          url = encodeURIComponent(secret);
        } catch {}
        fc.pre(!text.includes(url) && !text.includes(url.replaceAll('%20', '+')));
        expect(makeRedactor([{ name: 'S', value: secret }])(text)).toBe(text);
      }),
    );
  });
});
