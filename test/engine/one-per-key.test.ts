import { describe, expect, it } from 'vitest';
import { lazyList, Run } from '../../src/campaign/lazy-list.js';
import { onePerKey } from '../../src/engine/one-per-key.js';
import type { PlanItem } from '../../src/plan/types.js';

const item = (key: string, line = 1): PlanItem => ({
  key,
  name: key.slice(key.indexOf('/') + 1),
  target: 'sim',
  file: 'calls/a.yaml',
  line,
  to: '+15550001111',
  definition: 'sha256:d',
});

/** Two keys whose 32-bit FNV-1a hashes are equal. */
const TWINS = ['sim/c139599', 'sim/c322382'] as const;

describe('onePerKey', () => {
  it('gives the list itself when no key repeats, however many there are', () => {
    const rows = lazyList([new Run(50_000, (i) => item(`sim/remind/r${i}`))]);
    expect(onePerKey(rows)).toBe(rows);
  });

  it('keeps two keys whose hashes are equal: they are two calls', () => {
    const items = [item(TWINS[0]), item('sim/b'), item(TWINS[1])];
    expect(onePerKey(items)).toBe(items);
  });

  it('places a key named twice once: at its first place, with its last item', () => {
    const items = [
      item(TWINS[0], 1),
      item('sim/a', 2),
      item(TWINS[1], 3),
      item('sim/a', 4),
      item(TWINS[0], 5),
    ];
    expect(onePerKey(items).map((i) => [i.key, i.line])).toEqual([
      [TWINS[0], 5],
      ['sim/a', 4],
      [TWINS[1], 3],
    ]);
  });
});
