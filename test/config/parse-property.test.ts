// biome-ignore-all lint/suspicious/noTemplateCurlyInString: call files hold literal ${VAR} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSource } from '../../src/config/index.js';
import type { Diagnostic } from '../../src/validate/diagnostic.js';

/** Fragments that make random text look like (broken) YAML. */
const TOKENS = [
  ':',
  ': ',
  '- ',
  ' ',
  '  ',
  '\n',
  '\r\n',
  '\t',
  '[',
  ']',
  '{',
  '}',
  ',',
  '&a ',
  '*a',
  '*b',
  '&b ',
  '"',
  "'",
  '# c',
  '---\n',
  '...\n',
  'key',
  'calls',
  'name',
  '!tag ',
  '!!str ',
  '? ',
  '|\n',
  '>-\n',
  '%YAML 1.2\n',
  '\\',
  '${X}',
  '1e3',
  '~',
  'null',
  '<<: ',
  '@',
  '`',
  '\u00e9',
  '\ud83d\ude00',
];

const yamlish = fc
  .array(fc.constantFrom(...TOKENS), { maxLength: 60 })
  .map((parts) => parts.join(''));
const anyText = fc.oneof(
  yamlish,
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ maxLength: 200 }),
);
const path = fc.array(fc.oneof(fc.constantFrom('calls', 'key', 'name', 'a'), fc.nat(3)), {
  maxLength: 4,
});

/** The documented positions: 1-based, or 0:0 for a problem about the whole file. */
const positioned = (d: Diagnostic): boolean =>
  (d.line >= 1 && d.column >= 1) || (d.line === 0 && d.column === 0);

describe('parseSource on arbitrary text', () => {
  it('never throws, and every diagnostic has a documented position and a message', () => {
    fc.assert(
      fc.property(anyText, path, (text, segments) => {
        const { source, diagnostics } = parseSource('calls/p.yaml', text);
        for (const d of diagnostics) {
          expect(positioned(d)).toBe(true);
          expect(d.file).toBe('calls/p.yaml');
          expect(d.message.length).toBeGreaterThan(0);
          expect(d.message).not.toMatch(/\n\s+at /);
        }
        for (const doc of source.documents) {
          const at = doc.locate(segments);
          const key = doc.locateKey(segments);
          expect(at.line).toBeGreaterThanOrEqual(1);
          expect(at.column).toBeGreaterThanOrEqual(1);
          expect(key.line).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 400 },
    );
  });
});
