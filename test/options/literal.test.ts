// biome-ignore-all lint/suspicious/noTemplateCurlyInString: literal ${…} references
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { REFERENCE_PATTERN } from '../../src/options/fragments.js';
import { ROW_ZONE_PATTERN } from '../../src/options/literal.js';
import { hasReference } from '../../src/validate/site.js';

/**
 * The schema refuses a reference in a key read before the environment by REFERENCE_PATTERN;
 * validate by hasReference. They must agree on every string, the `$${` escape included, or
 * one would refuse what the other takes.
 */
describe('REFERENCE_PATTERN', () => {
  const pattern = new RegExp(REFERENCE_PATTERN, 'u');

  test.each([
    ['${X}', true],
    ['a ${X} b', true],
    ['$${X}', false],
    ['$$${X}', false],
    ['$$$${{X}', true],
    ['$$${$${{', true],
    ['$X', false],
    ['{$}', false],
  ])('%s holds a reference: %s', (text, expected) => {
    expect(hasReference(text)).toBe(expected);
    expect(pattern.test(text)).toBe(expected);
  });

  test('agrees with validate on any string of $, {, } and text', () => {
    const text = fc
      .array(fc.constantFrom('$', '{', '}', 'a', ' '), { maxLength: 24 })
      .map((chars) => chars.join(''));
    fc.assert(
      fc.property(text, (s) => pattern.test(s) === hasReference(s)),
      { numRuns: 5000 },
    );
  });

  test("a row's zone is one whole `${row.COLUMN}`", () => {
    const zone = new RegExp(ROW_ZONE_PATTERN, 'u');
    expect(zone.test('${row.tz}')).toBe(true);
    expect(zone.test('x/${row.tz}')).toBe(false);
    expect(zone.test('${TZ}')).toBe(false);
  });
});
