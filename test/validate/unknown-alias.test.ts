import { describe, expect, it } from 'vitest';
import { validate, yaml } from './fixtures.js';

const A = 'calls/x.yaml';

/** line:column severity message of each diagnostic. */
const said = (files: Readonly<Record<string, string>>): string[] =>
  validate(files).diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.message}`);

describe('an alias that names no anchor', () => {
  it("is an error at it, and the document's other problems are reported with it", () => {
    const text = yaml(
      'defaults: &d',
      '  application_sid: a',
      '  from: "+15550001111"',
      'calls:',
      '  - name: one',
      '    to: { type: phone, number: "+15550002222" }',
      '---',
      'defaults: *d',
      'calls:',
      '  - name: two',
      '    timeot: 5',
      '    to: { type: phone, number: 15550002223 }',
    );
    const found = said({ [A]: text });
    expect(found[0]).toBe('8:11 error unknown alias `*d` (define `&d` before using it)');
    expect(found.slice(1)).toEqual([
      expect.stringMatching(/^11:5 error unknown option `timeot`/),
      expect.stringMatching(/^12:32 error must be a string — quote it/),
    ]);
  });

  it('says nothing of what the alias may have stood for: at it, above it, or what a call lacks', () => {
    const text = yaml(
      'defaults: *d',
      'calls:',
      '  - name: two',
      '    to: { type: phone, number: *n }',
      '    amd: *a',
      '  - *c',
      '  - name: three',
      '    tag: { a: 1 }',
      '    timeot: 5',
    );
    expect(said({ [A]: text })).toEqual([
      '1:11 error unknown alias `*d` (define `&d` before using it)',
      '4:32 error unknown alias `*n` (define `&n` before using it)',
      '5:10 error unknown alias `*a` (define `&a` before using it)',
      '6:5 error unknown alias `*c` (define `&c` before using it)',
      expect.stringMatching(/^9:5 error unknown option `timeot`/),
    ]);
  });
});
