import { describe, expect, it } from 'vitest';
import {
  callsOf,
  callTime,
  deleteCall,
  numberIndex,
  setCall,
} from '../../src/state/number-index.js';

describe('the per-number index', () => {
  it('keeps one key of a number, then several, then none, in the order they came', () => {
    const index = numberIndex();
    expect([...callsOf(index, 'n')]).toEqual([]);
    setCall(index, 'n', 'a', 1);
    setCall(index, 'n', 'a', 2);
    expect([...callsOf(index, 'n')]).toEqual([['a', 2]]);
    setCall(index, 'n', 'b', 3);
    expect([...callsOf(index, 'n')]).toEqual([
      ['a', 2],
      ['b', 3],
    ]);
    expect(callTime(index, 'n', 'b')).toBe(3);
    expect(callTime(index, 'n', 'c')).toBeUndefined();
    deleteCall(index, 'n', 'a');
    deleteCall(index, 'n', 'c');
    expect([...callsOf(index, 'n')]).toEqual([['b', 3]]);
    deleteCall(index, 'n', 'b');
    expect(index.size).toBe(0);
    setCall(index, 'm', 'x', 4);
    deleteCall(index, 'm', 'y');
    expect(callTime(index, 'm', 'x')).toBe(4);
    deleteCall(index, 'm', 'x');
    expect(index.has('m')).toBe(false);
  });
});
