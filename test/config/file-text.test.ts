import { describe, expect, it } from 'vitest';
import { detachedData, FileText } from '../../src/config/file-text.js';
import { parseSource } from '../../src/config/index.js';
import { definitionHash } from '../../src/validate/definition.js';
import { validate, yaml } from '../validate/fixtures.js';

const CALLS = yaml(
  'defaults:',
  '  application_sid: 5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
  '  from: "+15550001111"',
  'calls:',
  '  - name: welcome-alice-and-bob',
  '    to: { type: phone, number: "+15550002222" }',
  '    tag: { note: "Grüße – ünïcødé text" }',
  '  - name: second',
  '    to: { type: phone, number: "+15550003333" }',
);

describe('FileText', () => {
  it('gives the same text once deflated, however often it is read', () => {
    const text = `${CALLS}# ${'x'.repeat(5_000)}\n`;
    const kept = new FileText(text);
    kept.pack();
    kept.pack();
    expect(kept.text).toBe(text);
    expect(kept.text).toBe(text);
    const others = ['a: 1\n', 'b: 2\n', 'c: 3\n'].map((t) => new FileText(t));
    for (const other of others) other.pack();
    expect(others.map((o) => o.text)).toEqual(['a: 1\n', 'b: 2\n', 'c: 3\n']);
    expect(kept.text).toBe(text);
  });

  it('a released document reads its data and positions again from the deflated text', () => {
    const { source } = parseSource('calls/a.yaml', CALLS);
    const doc = source.documents[0];
    const before = structuredClone(doc?.data);
    expect(doc?.release?.()).toBe(true);
    expect(source.text).toBe(CALLS);
    expect(doc?.data).toEqual(before);
    expect(doc?.locate(['calls', 1, 'to', 'number'])).toEqual({ line: 9, column: 32 });
  });
});

describe('detachedData', () => {
  it('copies parsed data: equal values, own keys kept (even `__proto__`)', () => {
    const data = JSON.parse(
      '{"a":"x","__proto__":{"b":[1,"long text of many characters",null,true]},"c":{"d":{}}}',
    ) as Record<string, unknown>;
    const copy = detachedData(data) as Record<string, unknown>;
    expect(copy).toEqual(data);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.keys(copy)).toEqual(['a', '__proto__', 'c']);
    expect(copy.c).not.toBe(data.c);
  });
});

describe("a call's digest, kept as bytes", () => {
  it('is the digest of its merged definition, for each call of a document, before and after release', () => {
    const { calls } = validate({ 'calls/a.yaml': CALLS });
    expect(calls.map((c) => c.name)).toEqual(['welcome-alice-and-bob', 'second']);
    const expected = calls.map((c) =>
      definitionHash({ name: c.name, enabled: c.enabled, options: c.options }),
    );
    expect(expected[0]).not.toBe(expected[1]);
    expect(calls.map((c) => c.definition)).toEqual(expected);
    for (const call of [...calls].reverse()) call.release?.();
    expect(calls.map((c) => c.definition)).toEqual(expected);
    expect(calls.map((c) => c.options)).toEqual([
      {
        application_sid: '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
        from: '+15550001111',
        to: { type: 'phone', number: '+15550002222' },
        tag: { note: 'Grüße – ünïcødé text' },
      },
      {
        application_sid: '5b0a8c62-6a43-4a0e-9d4b-1c2f3e4d5a6b',
        from: '+15550001111',
        to: { type: 'phone', number: '+15550003333' },
      },
    ]);
  });
});
