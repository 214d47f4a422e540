// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests hold literal ${row.X} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findRowReferences, mayHoldRowReference } from '../../src/campaign/template.js';

describe('mayHoldRowReference', () => {
  it('finds ${row. at any depth, in arrays and objects', () => {
    expect(mayHoldRowReference({ a: [{ b: 'x ${row.phone}' }] })).toBe(true);
    expect(mayHoldRowReference(['${row.id}'])).toBe(true);
    expect(mayHoldRowReference({ to: { number: '${PHONE}' }, n: 3, ok: true, none: null })).toBe(
      false,
    );
  });

  it('is true wherever findRowReferences finds a reference (it is the cheap test before it)', () => {
    const leaf = fc.oneof(
      fc.constantFrom('${row.a}', 'x${row.b c}y', '$${row.a}', '${ROW}', '${row.', '', 'plain'),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(fc.string({ maxLength: 3 }), tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        if (findRowReferences(value).length > 0) expect(mayHoldRowReference(value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
