import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayHoldDuplicates, positionOf, scanJson } from '../../src/state/json-scan.js';

const parses = (text: string): boolean => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

describe('scanJson', () => {
  it('accepts exactly what JSON.parse accepts', () => {
    const jsonish = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify(v, null, 2)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc
        .tuple(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.nat(),
          fc.string({ maxLength: 2 }),
        )
        .map(([text, at, junk]) => {
          const cut = at % (text.length + 1);
          return text.slice(0, cut) + junk + text.slice(cut + 1);
        }),
      fc.string({ unit: 'binary' }),
    );
    fc.assert(
      fc.property(jsonish, (text) => {
        expect(scanJson(text).ok).toBe(parses(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('reports where a syntax error is', () => {
    const result = scanJson('{\n  "a": 1\n  "b": 2\n}');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(positionOf('{\n  "a": 1\n  "b": 2\n}', result.offset)).toEqual({ line: 3, column: 3 });
    expect(result.message).toBe("expected ',' or '}', found \"\\\"\"");
  });

  it('maps pointers to key offsets and lists duplicate keys', () => {
    const text = '{"a/b": {"x": 1, "x": 2}, "c": [{"d": true}]}';
    const result = scanJson(text);
    if (!result.ok) throw new Error(result.message);
    expect([...result.keys.entries()]).toEqual([
      ['/a~1b', 1],
      ['/a~1b/x', 9],
      ['/c', 26],
      ['/c/0/d', 33],
    ]);
    expect(result.duplicates).toEqual([{ pointer: '/a~1b/x', offset: 17 }]);
  });

  it('refuses absurd nesting without overflowing the stack', () => {
    const result = scanJson('['.repeat(100_000));
    expect(result.ok).toBe(false);
  });
});

describe('mayHoldDuplicates', () => {
  it('says "maybe" of a value nested past what scanJson reads, without overflowing the stack', () => {
    const text = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(mayHoldDuplicates(text, JSON.parse(text))).toBe(true);
    const shallow = `{"a":${'['.repeat(60)}${']'.repeat(60)}}`;
    expect(mayHoldDuplicates(shallow, JSON.parse(shallow))).toBe(false);
  });
});
