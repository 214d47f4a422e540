// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the reference syntax under test
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PathSegments } from '../../src/config/types.js';
import {
  type Env,
  type Interpolated,
  interpolate,
  interpolateString,
  type MalformedReference,
  type MissingReference,
  type Secret,
} from '../../src/resolve/interpolate.js';

/**
 * The walk interpolate used to make, kept here as the reference: a fresh path per node,
 * objects copied with Object.entries / Object.fromEntries.
 */
const referenceWalk = (value: unknown, env: Env): Interpolated => {
  const missing: MissingReference[] = [];
  const malformed: MalformedReference[] = [];
  const secrets = new Map<string, Secret>();
  const walk = (node: unknown, path: PathSegments): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const r = interpolateString(node, env);
      for (const name of r.missing) missing.push({ name, path });
      if (r.malformed) malformed.push({ text: node, path });
      for (const s of r.secrets) secrets.set(`${s.name}\u0000${s.value}`, s);
      return r.text;
    }
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (node !== null && typeof node === 'object') {
      return Object.fromEntries(
        Object.entries(node).map(([key, item]) => [key, walk(item, [...path, key])]),
      );
    }
    return node;
  };
  const result = walk(value, []);
  return { value: result, missing, malformed, secrets: [...secrets.values()] };
};

describe('interpolate walks data as it always did', () => {
  const name = fc.constantFrom('A', 'B', 'HOME_X', 'UNSET', 'EMPTY');
  const text = fc.oneof(
    fc.stringMatching(/^[a-z ]{0,5}$/),
    name.map((n) => `\${${n}}`),
    name.map((n) => `x-\${${n}:-fb}-y`),
    fc.constantFrom('${', '$${A}', '${1bad}', '${row.id}', '${A', 'a}b'),
  );
  const str = fc.array(text, { maxLength: 3 }).map((parts) => parts.join(''));
  const key = fc.oneof(
    fc.stringMatching(/^[a-z]{1,4}$/),
    fc.constantFrom('__proto__', 'constructor', '0', '10', 'toString'),
  );
  const data = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      str,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('node'), { maxLength: 3 }),
      fc.dictionary(key, tie('node'), { maxKeys: 4 }),
    ),
  })).node;
  const env: Env = { A: 'alpha-value', B: 'beta-value', HOME_X: '/home/x', EMPTY: '' };

  it('gives the same value, problems (with their paths) and secrets as the old walk', () => {
    fc.assert(
      fc.property(data, (value) => {
        const ours = interpolate(value, env);
        const theirs = referenceWalk(value, env);
        // toEqual, not toStrictEqual: that one compares `constructor`, which a generated
        // `constructor` key makes a different object in each copy.
        expect(ours.value).toEqual(theirs.value);
        expect(ours.missing).toStrictEqual(theirs.missing);
        expect(ours.malformed).toStrictEqual(theirs.malformed);
        expect(ours.secrets).toStrictEqual(theirs.secrets);
        // Same keys in the same order, `__proto__` an own key, never the prototype.
        expect(JSON.stringify(ours.value)).toBe(JSON.stringify(theirs.value));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a `__proto__` key as an own key of the copy', () => {
    const input = JSON.parse('{"__proto__": {"x": "${A}"}, "y": 1}') as unknown;
    const r = interpolate(input, env);
    const out = r.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__', 'y']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ x: 'alpha-value' });
  });

  it('reports each problem at the path of the string that holds it', () => {
    const r = interpolate({ a: [{ b: '${UNSET} ${A' }], c: '${UNSET}' }, env);
    expect(r.missing).toEqual([
      { name: 'UNSET', path: ['a', 0, 'b'] },
      { name: 'UNSET', path: ['c'] },
    ]);
    expect(r.malformed).toEqual([{ text: '${UNSET} ${A', path: ['a', 0, 'b'] }]);
  });
});
