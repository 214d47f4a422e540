// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests hold literal ${row.X} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fill,
  findRowReferences,
  mayHoldRowReference,
  type Part,
} from '../../src/campaign/template.js';
import { interpolateString } from '../../src/resolve/interpolate.js';

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

describe('fill', () => {
  /** A literal written in a call's text: a `${` in it is written `$${`. */
  const written = (literal: string): string => literal.replaceAll('${', () => '$${');
  const text = fc.string({
    unit: fc.constantFrom('$', '{', '}', ':', '-', 'A', 'row.', 'x'),
    maxLength: 8,
  });

  it('puts every cell in as text: no cell, alone or next to the text around it, reads the environment', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 4 }), text, (pairs, last) => {
        const parts: Part[] = [];
        const cells: string[] = [];
        let expected = '';
        for (const [literal, cell] of pairs) {
          parts.push(written(literal), { column: cells.length });
          cells.push(cell);
          expected += literal + cell;
        }
        parts.push(written(last));
        expected += last;
        const r = interpolateString(fill({ path: [], parts, written: '' }, cells), {
          A: 'from-the-environment',
        });
        expect(r.missing).toEqual([]);
        expect(r.malformed).toBe(false);
        expect(r.text).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a cell that ends in $ before {NAME} as text', () => {
    const slot = {
      path: [],
      parts: [{ column: 0 }, '{SECRET}', { column: 1 }, { column: 2 }],
      written: '',
    };
    const r = interpolateString(fill(slot, ['Ana$', '$', '{SECRET}']), { SECRET: 'canary' });
    expect(r.text).toBe('Ana${SECRET}${SECRET}');
  });
});
