import { describe, expect, it } from 'vitest';
import { clockSkew } from '../../src/state/postgres/store.js';

const T = Date.parse('2026-12-04T10:00:00.000Z');

describe('clockSkew', () => {
  it('says nothing of a clock within 5 s of the database, nor of what the round trip leaves unknown', () => {
    expect(clockSkew(new Date(T + 4_000), T - 50, T + 50)).toBeUndefined();
    expect(clockSkew(new Date(T - 4_000), T - 50, T + 50)).toBeUndefined();
    // 7 s off, but the answer took 6 s: it may be 4 s.
    expect(clockSkew(new Date(T + 7_000), T - 3_000, T + 3_000)).toBeUndefined();
    expect(clockSkew(undefined, T, T)).toBeUndefined();
  });

  it('says how far behind or ahead, and what it makes of schedules', () => {
    expect(clockSkew(new Date(T + 61 * 60_000), T, T + 20)).toMatch(
      /^this runner's clock is 61 min behind the state database's: .*placed late\).*set its clock right \(NTP\)$/,
    );
    expect(clockSkew(new Date(T - 9_000), T, T + 20)).toMatch(
      /^this runner's clock is 9 s ahead of the state database's: .*placed early\)/,
    );
  });
});
