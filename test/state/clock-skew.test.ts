import { describe, expect, it } from 'vitest';
import {
  type ClockOff,
  type ClockVerdict,
  clockBack,
  clockWarning,
  judgeClock,
  wrongClock,
} from '../../src/state/postgres/clock.js';

const T = Date.parse('2026-12-04T10:00:00.000Z');

/** The verdict, as a warning would be said of it (undefined: nothing to say). */
const warned = (verdict: ClockVerdict): string | undefined =>
  verdict.kind === 'right' ? undefined : clockWarning(verdict);

describe('judgeClock', () => {
  it('says nothing of a clock within 5 s of the database, nor of what the round trip leaves unknown', () => {
    expect(judgeClock(new Date(T + 4_000), T - 50, T + 50)).toEqual({ kind: 'right' });
    expect(judgeClock(new Date(T - 4_000), T - 50, T + 50)).toEqual({ kind: 'right' });
    // 7 s off, but the answer took 6 s: it may be 4 s.
    expect(judgeClock(new Date(T + 7_000), T - 3_000, T + 3_000)).toEqual({ kind: 'right' });
  });

  it('within a minute, says how far behind or ahead, and what it makes of schedules', () => {
    expect(warned(judgeClock(new Date(T + 59_000), T, T + 20))).toMatch(
      /^this runner's clock is 59 s behind the state database's: .*placed late\).*set its clock right \(NTP\)$/,
    );
    expect(warned(judgeClock(new Date(T - 9_000), T, T + 20))).toMatch(
      /^this runner's clock is 9 s ahead of the state database's: .*placed early\)/,
    );
  });

  it('more than a minute off, beyond what the round trip leaves unknown, is a clock no call is placed by', () => {
    const slow = judgeClock(new Date(T + 61 * 60_000), T, T + 20);
    expect(slow.kind).toBe('wrong');
    expect(warned(slow)).toMatch(
      /^this runner's clock is 61 min behind the state database's, more than 60 s: .*placed late: `apply` and `run` place no call from it until it is right .*set its clock right \(NTP\)$/,
    );
    const fast = judgeClock(new Date(T - 90_000), T, T + 20) as ClockOff<'wrong'>;
    expect(fast.kind).toBe('wrong');
    expect(wrongClock(fast)).toBe(
      "this runner's clock is 90 s ahead of the state database's, more than 60 s: schedules, windows and deadlines go by this runner's clock, so its calls would be placed early",
    );
    // 65 s off, but the answer took 12 s: it may be 59 s.
    expect(judgeClock(new Date(T + 65_000), T - 6_000, T + 6_000).kind).toBe('off');
  });

  it('says a large offset in minutes under 2 h, hours under 2 days, days beyond', () => {
    const said = (offsetMs: number): string =>
      wrongClock({ kind: 'wrong', offsetMs }).split(', more than')[0] ?? '';
    expect(said(-119 * 60_000)).toBe(
      "this runner's clock is 119 min ahead of the state database's",
    );
    expect(said(3 * 3_600_000)).toBe("this runner's clock is 3 h behind the state database's");
    expect(said(-(47 * 3_600_000))).toBe(
      "this runner's clock is 47 h ahead of the state database's",
    );
    expect(said(-2 * 86_400_000)).toBe(
      "this runner's clock is 2 days ahead of the state database's",
    );
    expect(said(9 * 86_400_000)).toBe("this runner's clock is 9 days behind the state database's");
    // Rounded, it never reads as 120 min, nor as 48 h.
    expect(said(7_190_000)).toBe("this runner's clock is 2 h behind the state database's");
    expect(said(47.9 * 3_600_000)).toBe(
      "this runner's clock is 2 days behind the state database's",
    );
    expect(warned(judgeClock(new Date(T - 2 * 86_400_000), T, T + 20))).toMatch(
      /^this runner's clock is 2 days ahead of the state database's, more than 60 s: /,
    );
  });

  it('says how the clock stands as placing resumes', () => {
    expect(clockBack({ kind: 'right' })).toBe(
      "this runner's clock agrees with the state database's again",
    );
    expect(clockBack({ kind: 'off', offsetMs: 20_000 })).toMatch(
      /^this runner's clock is 20 s behind the state database's now, within 60 s/,
    );
  });
});
