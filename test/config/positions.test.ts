import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import { yaml } from '../validate/fixtures.js';

const F = 'calls/x.yaml';

/** Whether line:column is a place in the text (the column may be just past the line's end). */
const inText = (text: string, line: number, column: number): boolean => {
  const source = text.split('\n')[line - 1];
  return source !== undefined && column >= 1 && column <= source.length + 1;
};

describe('positions of YAML problems', () => {
  it('counts every line, also after a document separator that is indented by a tab', () => {
    const text = '{}\n\t---\ntargets: a\n';
    const { diagnostics } = parseSource(F, text);
    expect(diagnostics.length).toBeGreaterThan(0);
    for (const d of diagnostics)
      expect(inText(text, d.line, d.column), JSON.stringify(d)).toBe(true);
    expect(diagnostics.map((d) => [d.line, d.column])).toContainEqual([3, 8]);
  });

  it('gives the same positions for CRLF line endings', () => {
    const lines = ['calls:', '  - name: a', '    to: [x', 'x: "'];
    const lf = parseSource(F, yaml(...lines)).diagnostics;
    const crlf = parseSource(F, `${lines.join('\r\n')}\r\n`).diagnostics;
    expect(lf.length).toBeGreaterThan(0);
    expect(crlf.map((d) => [d.line, d.column, d.message])).toEqual(
      lf.map((d) => [d.line, d.column, d.message]),
    );
  });
});

describe('positions of keys YAML reads as null', () => {
  it('locates a `null`, `~` or empty key, which the data holds as ""', () => {
    for (const key of ['null', '~', 'Null']) {
      const { source } = parseSource(F, yaml('calls:', '  - name: a', `    ${key}: z`));
      const doc = source.documents[0];
      expect(doc?.data).toEqual({ calls: [{ name: 'a', '': 'z' }] });
      expect(doc?.locateKey(['calls', 0, ''])).toEqual({ line: 3, column: 5 });
      expect(doc?.locate(['calls', 0, ''])).toEqual({ line: 3, column: 7 + key.length });
    }
  });
});

describe('positions of values an alias repeats', () => {
  it('places a path through an alias at the alias, the anchor path at the anchor', () => {
    const text = yaml(
      'calls:',
      '  - name: a',
      '    to: &t { type: phone, number: "+15550002222" }',
      '  - &c { name: b, to: *t }',
      '  - *c',
    );
    const doc = parseSource(F, text).source.documents[0];
    expect(doc?.locate(['calls', 0, 'to', 'number'])).toEqual({ line: 3, column: 35 });
    // Through the alias `*t` in the anchor of call 1, then through `*c` as call 2.
    expect(doc?.locate(['calls', 1, 'to', 'number'])).toEqual({ line: 4, column: 23 });
    expect(doc?.locate(['calls', 1, 'name'])).toEqual({ line: 4, column: 16 });
    expect(doc?.locate(['calls', 2, 'name'])).toEqual({ line: 5, column: 5 });
    expect(doc?.locate(['calls', 2, 'to', 'number'])).toEqual({ line: 5, column: 5 });
    expect(doc?.locateKey(['calls', 2, 'to'])).toEqual({ line: 5, column: 5 });
  });
});
