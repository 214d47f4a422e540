import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import { CALL, error, validate, yaml } from '../validate/fixtures.js';

const F = 'calls/x.yaml';
const CYCLE = 'alias `*t` refers to a node that contains it (a cycle); callops cannot read it';

describe('an alias inside the node it refers to', () => {
  it('is refused at the alias, leaving the document without data', () => {
    const text = yaml('calls:', '  - name: a', '    tag: &t { self: *t }');
    const { source, diagnostics } = parseSource(F, text);
    expect(diagnostics).toEqual([error(F, 3, 21, '', CYCLE)]);
    expect(source.documents[0]?.data).toBeUndefined();
  });

  it('is refused when the cycle runs through a list', () => {
    const text = yaml('calls: &t', '  - name: a', '    tag: [*t]');
    expect(parseSource(F, text).diagnostics).toEqual([error(F, 3, 11, '', CYCLE)]);
  });

  it('does not stop validation of the other files', () => {
    const cyclic = yaml(
      'calls:',
      '  - name: a',
      ...CALL.map((l) => `    ${l}`),
      '    tag: &t { self: *t }',
    );
    const fine = yaml('calls:', '  - name: b', ...CALL.map((l) => `    ${l}`));
    const result = validate({ 'calls/a.yaml': cyclic, 'calls/b.yaml': fine });
    expect(result.diagnostics).toEqual([error('calls/a.yaml', 6, 21, '', CYCLE)]);
    expect(result.calls.map((c) => c.name)).toEqual(['b']);
  });

  it('an alias to an earlier sibling is no cycle', () => {
    const text = yaml('calls:', '  - name: a', '    tag: { a: &t [1], b: *t }');
    expect(parseSource(F, text).diagnostics).toEqual([]);
  });
});
