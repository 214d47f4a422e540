import { describe, expect, it } from 'vitest';
import { MAX_ALIAS_COUNT, MAX_ALIAS_EXPANSION, parseSource } from '../../src/config/index.js';
import { error, yaml } from '../validate/fixtures.js';

const F = 'calls/x.yaml';

describe('parseSource', () => {
  it('reads several documents; data and positions per document, lines absolute', () => {
    const text = yaml(
      'calls:',
      '  - name: a',
      '---',
      '# second',
      'calls:',
      '  - name: b',
      '    to: { type: user, name: bob }',
    );
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([]);
    expect(source.file).toBe(F);
    expect(source.text).toBe(text);
    expect(source.documents.map((d) => [d.index, d.data])).toEqual([
      [0, { calls: [{ name: 'a' }] }],
      [1, { calls: [{ name: 'b', to: { type: 'user', name: 'bob' } }] }],
    ]);
    const second = source.documents[1];
    expect(second?.locate(['calls', 0, 'name'])).toEqual({ line: 6, column: 11 });
    expect(second?.locateKey(['calls', 0, 'name'])).toEqual({ line: 6, column: 5 });
    expect(second?.locate(['calls', '0', 'to', 'name'])).toEqual({ line: 7, column: 29 });
    expect(second?.locate(['calls', 0])).toEqual({ line: 6, column: 5 });
  });

  it('locates a missing path at its nearest existing ancestor, and a missing key at it too', () => {
    const { source } = parseSource(F, yaml('calls:', '  - name: a', '    to: { type: phone }'));
    const doc = source.documents[0];
    expect(doc?.locate(['calls', 0, 'to', 'number'])).toEqual({ line: 3, column: 9 });
    expect(doc?.locateKey(['calls', 0, 'to', 'number'])).toEqual({ line: 3, column: 9 });
    expect(doc?.locate(['calls', 5, 'name'])).toEqual({ line: 2, column: 3 });
    expect(doc?.locate(['nope'])).toEqual({ line: 1, column: 1 });
    expect(doc?.locate([])).toEqual({ line: 1, column: 1 });
  });

  it('follows aliases into the anchored node, and places what lies past one at the alias', () => {
    const text = yaml(
      'defaults:',
      '  to: &bob',
      '    type: user',
      '    name: bob',
      'calls:',
      '  - name: a',
      '    to: *bob',
    );
    const doc = parseSource(F, text).source.documents[0];
    expect(doc?.locate(['calls', 0, 'to'])).toEqual({ line: 7, column: 9 });
    // The anchor's text is where every use of it would be placed: a call's value is placed
    // where the call takes it.
    expect(doc?.locate(['calls', 0, 'to', 'name'])).toEqual({ line: 7, column: 9 });
    expect(doc?.locate(['defaults', 'to', 'name'])).toEqual({ line: 4, column: 11 });
    expect(doc?.data).toEqual({
      defaults: { to: { type: 'user', name: 'bob' } },
      calls: [{ name: 'a', to: { type: 'user', name: 'bob' } }],
    });
  });

  it('an empty file and a file of comments have no documents and no problems', () => {
    expect(parseSource(F, '')).toEqual({
      source: { file: F, text: '', documents: [] },
      diagnostics: [],
    });
    const comments = parseSource(F, '# nothing\n# here\n');
    expect(comments.source.documents).toEqual([]);
    expect(comments.diagnostics).toEqual([]);
  });

  it('refuses tabs used for indentation, at the tab', () => {
    const { source, diagnostics } = parseSource(F, 'calls:\n\t- name: a\n');
    expect(diagnostics).toContainEqual(
      error(F, 2, 1, '', 'tabs are not allowed for indentation; use spaces'),
    );
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('reports a duplicate key at the repeat, naming the first line', () => {
    const { source, diagnostics } = parseSource(
      F,
      yaml('calls:', '  - name: a', '    from: "1"', '    from: "2"'),
    );
    expect(diagnostics).toEqual([
      error(F, 4, 5, '', 'duplicate key `from` (first at line 3); each key may appear once'),
    ]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('reports an unclosed flow sequence in the second document with absolute lines', () => {
    const { diagnostics } = parseSource(F, yaml('calls: []', '---', 'calls: [', '  { name: a }'));
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ file: F, line: 5, severity: 'error' });
    expect(diagnostics[0]?.message).toMatch(/^flow sequence .* \(an unclosed \[ or \{ \?\)$/);
  });

  it('reports an unclosed quote at the quote that opens it, not past the last line', () => {
    const text = yaml('calls:', '  - name: a', '    from: "+1555', '    to: x');
    expect(parseSource(F, text).diagnostics).toEqual([
      error(F, 3, 11, '', 'missing closing "quote'),
    ]);
    const single = yaml('calls: []', '---', 'calls:', "  - { name: 'b, to: x }");
    expect(parseSource(F, single).diagnostics).toContainEqual(
      error(F, 4, 13, '', "missing closing 'quote"),
    );
  });

  it('reports bad indentation of sequence items', () => {
    const { diagnostics } = parseSource(F, yaml('calls:', '  - name: a', '   - name: b'));
    expect(diagnostics).toEqual([
      error(F, 3, 4, '', 'bad indentation: all sequence items must start at the same column'),
    ]);
    const outdented = parseSource(F, yaml('calls:', '  - name: a', ' - name: b')).diagnostics;
    expect(outdented[0]).toEqual(
      error(F, 3, 1, '', 'a `- ` list item is out of line here; indent it like the items above it'),
    );
  });

  it('explains `key: value: value` on one line', () => {
    const { diagnostics } = parseSource(F, yaml('calls:', '  - name: a: b'));
    expect(diagnostics).toContainEqual(
      error(
        F,
        2,
        11,
        '',
        'unexpected nested map: a `key: value: …` on one line (quote the value), or a line indented too far?',
      ),
    );
  });

  it('keeps the wrong types as data (the schema judges them)', () => {
    const { source, diagnostics } = parseSource(
      F,
      yaml('calls:', '  - name: 5', '    to: +15550001111', '    enabled: yes'),
    );
    expect(diagnostics).toEqual([]);
    expect(source.documents[0]?.data).toEqual({
      calls: [{ name: 5, to: 15550001111, enabled: 'yes' }],
    });
  });

  it('refuses an unknown tag at the tag, and keeps no data of its document', () => {
    const { source, diagnostics } = parseSource(F, yaml('calls:', '  - name: !secret a'));
    expect(diagnostics).toEqual([
      error(
        F,
        2,
        11,
        '',
        'callops reads no YAML tag but !!str, !!int, !!float, !!bool, !!null, !!map and !!seq: remove `!secret` (quote the value to keep it as text)',
      ),
    ]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('refuses a map used as a key', () => {
    const { source, diagnostics } = parseSource(F, yaml('? { a: 1 }', ': x'));
    expect(diagnostics).toEqual([
      error(F, 1, 3, '', 'a key must be plain text, not a list or a map'),
    ]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('refuses an alias bomb (billion laughs) at the first alias, quickly', () => {
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [i, name] of ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].entries()) {
      const prev = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const { source, diagnostics } = parseSource(F, yaml(...lines));
    expect(diagnostics).toEqual([
      error(
        F,
        2,
        8,
        '',
        `too many YAML aliases (an anchor repeated more than ${MAX_ALIAS_COUNT} times, counting what aliases inside it stand for) — refusing to expand`,
      ),
    ]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it(`takes ${MAX_ALIAS_COUNT} aliases of one anchor, and refuses one more at the first alias`, () => {
    const file = (n: number) =>
      yaml(
        'defaults:',
        '  tag:',
        '    x: &x 1',
        '    y:',
        ...Array(n).fill('      - *x'),
        'calls: []',
      );
    const taken = parseSource(F, file(MAX_ALIAS_COUNT));
    expect(taken.diagnostics).toEqual([]);
    expect(
      (taken.source.documents[0]?.data as { defaults?: { tag?: { y?: unknown[] } } } | undefined)
        ?.defaults?.tag?.y,
    ).toHaveLength(MAX_ALIAS_COUNT);
    expect(parseSource(F, file(MAX_ALIAS_COUNT + 1)).diagnostics).toEqual([
      error(
        F,
        5,
        9,
        '',
        `too many YAML aliases (an anchor repeated more than ${MAX_ALIAS_COUNT} times, counting what aliases inside it stand for) — refusing to expand`,
      ),
    ]);
  });

  it('refuses aliases of one large anchor that expand past the limit, at the alias that passes it', () => {
    // 990 aliases stay under the alias count, but stand for some 99 MB of text.
    const anchor = 'x'.repeat(100_000);
    const calls = Array.from({ length: 990 }, (_, i) => `  - { name: c${i}, tag: *big }`);
    const text = yaml(`defaults: { tag: &big "${anchor}" }`, 'calls:', ...calls);
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([
      error(
        F,
        44,
        23,
        '',
        'the YAML aliases of this file expand to more than 4.0 MiB of text by this one (each alias counts all it stands for) — refusing to expand',
      ),
    ]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('counts the aliases of every document of a file toward one limit', () => {
    const doc = (i: number) => [`a: &a "${'y'.repeat(600_000)}"`, `b${i}: [*a, *a]`];
    const { diagnostics } = parseSource(F, yaml(...doc(1), '---', ...doc(2), '---', ...doc(3)));
    expect(diagnostics).toEqual([]);
    const four = parseSource(
      F,
      yaml(...doc(1), '---', ...doc(2), '---', ...doc(3), '---', ...doc(4)),
    );
    expect(four.diagnostics.map((d) => [d.line, d.column])).toEqual([[11, 6]]);
    expect(MAX_ALIAS_EXPANSION).toBe(4 * 1024 * 1024);
  });

  it('accepts hundreds of ordinary aliases', () => {
    const calls = Array.from({ length: 300 }, (_, i) => `  - { name: c${i}, from: *from }`);
    const { source, diagnostics } = parseSource(
      F,
      yaml('defaults: { from: &from "+15550001111" }', 'calls:', ...calls),
    );
    expect(diagnostics).toEqual([]);
    expect(source.documents[0]?.data).toMatchObject({ calls: expect.any(Array) });
    expect((source.documents[0]?.data as { calls: unknown[] } | undefined)?.calls).toHaveLength(
      300,
    );
  });

  it('reports an alias to an anchor that does not exist', () => {
    const { diagnostics } = parseSource(F, yaml('calls:', '  - name: a', '    to: *nobody'));
    expect(diagnostics).toEqual([
      error(F, 3, 9, '', 'unknown alias `*nobody` (define `&nobody` before using it)'),
    ]);
  });

  it('refuses text over the size limit without parsing it', () => {
    const big = `calls: []\n# ${'x'.repeat(5 * 1024 * 1024)}\n`;
    const { source, diagnostics } = parseSource(F, big);
    expect(diagnostics).toEqual([
      error(F, 1, 1, '', 'file is 5.1 MiB; callops reads call files up to 4 MiB — split it'),
    ]);
    expect(source.documents).toEqual([]);
  });

  it('refuses text with NUL characters as binary', () => {
    const { diagnostics } = parseSource(F, 'calls: []\n\0\0');
    expect(diagnostics).toEqual([
      error(F, 2, 1, '', 'file is binary (it contains a NUL byte here), not text'),
    ]);
  });

  it('caps the syntax problems of one file and says how many more there are', () => {
    const lines = Array.from({ length: 80 }, (_, i) => `k${i}: "unclosed`);
    const { diagnostics } = parseSource(F, lines.join('\n'));
    expect(diagnostics).toHaveLength(51);
    expect(diagnostics.at(-1)?.line).toBe(0);
    expect(diagnostics.at(-1)?.message).toMatch(
      /^\d+ more YAML problems in this file are not shown$/,
    );
  });

  it('reports a deeply nested document without overflowing the stack', () => {
    const { diagnostics } = parseSource(F, '['.repeat(20_000));
    expect(diagnostics.length).toBeGreaterThan(0);
    expect(diagnostics.every((d) => d.file === F && d.severity === 'error')).toBe(true);
  });
});
