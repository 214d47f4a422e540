import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MIX,
  drawFor,
  OUTCOMES,
  outcomeFor,
  parseOutcomeMix,
} from '../../src/simulator/index.js';

describe('parseOutcomeMix', () => {
  it('reads the shares, names left out get 0', () => {
    expect(parseOutcomeMix('answered=0.7,busy=0.1,no-answer=0.15,failed=0.05')).toEqual({
      mix: { answered: 0.7, busy: 0.1, 'no-answer': 0.15, failed: 0.05 },
    });
    expect(parseOutcomeMix(' busy = 1 ')).toEqual({
      mix: { answered: 0, busy: 1, 'no-answer': 0, failed: 0 },
    });
  });

  it.each([
    [
      'answered=0.7,voicemail=0.3',
      'unknown outcome "voicemail" (known: answered, busy, no-answer, failed)',
    ],
    ['answered=0.5,busy=0.4', 'the shares must sum to 1 (they sum to 0.9)'],
    ['answered=1.5,busy=-0.5', 'answered must be a share between 0 and 1'],
    ['answered=x', 'answered must be a share between 0 and 1'],
    ['answered', 'answered must be a share between 0 and 1'],
    ['answered=0.5,answered=0.5', 'answered is given twice'],
    ['', 'unknown outcome "" (known: answered, busy, no-answer, failed)'],
  ])('refuses %j', (text, error) => {
    expect(parseOutcomeMix(text)).toEqual({ error });
  });
});

describe('outcomeFor', () => {
  const mix = { answered: 0.7, busy: 0.1, 'no-answer': 0.15, failed: 0.05 };

  it('is a pure function of seed and k', () => {
    const a = Array.from({ length: 200 }, (_, i) => outcomeFor(7, i + 1, mix));
    const b = Array.from({ length: 200 }, (_, i) => outcomeFor(7, i + 1, mix));
    expect(a).toEqual(b);
    const other = Array.from({ length: 200 }, (_, i) => outcomeFor(8, i + 1, mix));
    expect(other).not.toEqual(a);
  });

  it('follows the mix over many calls', () => {
    const n = 20_000;
    const counts = new Map<string, number>();
    for (let k = 1; k <= n; k++) {
      const o = outcomeFor(123, k, mix);
      counts.set(o, (counts.get(o) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual([...OUTCOMES].sort());
    for (const o of OUTCOMES)
      expect(Math.abs((counts.get(o) ?? 0) / n - mix[o])).toBeLessThan(0.015);
  });

  it('draws in [0, 1) and never picks an outcome with share 0', () => {
    for (let k = 1; k <= 1000; k++) {
      const d = drawFor(99, k);
      expect(d >= 0 && d < 1).toBe(true);
      expect(outcomeFor(99, k, DEFAULT_MIX)).toBe('answered');
      expect(
        outcomeFor(99, k, { answered: 0, busy: 0.5, 'no-answer': 0.5, failed: 0 }),
      ).not.toMatch(/answered|failed/);
    }
  });
});
