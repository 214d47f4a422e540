import { describe, expect, it } from 'vitest';
import { limitHolds } from '../../src/plan/limit-held.js';
import type { LockEntry, Lockfile } from '../../src/state/types.js';

const HOUR = 3_600_000;
const T = Date.parse('2026-11-24T09:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
const entry = (over: Partial<LockEntry>): LockEntry => ({
  status: 'placed',
  at: at(T),
  definition: 'sha256:d',
  file: 'calls/a.yaml',
  number: 'sha256:aaaa',
  ...over,
});
const lock = (calls: Record<string, LockEntry>): Lockfile => ({ lockfileVersion: 1, calls });
const twoPerHour = { count: 2, windowMs: HOUR, text: '2/1h' };

describe('limitHolds', () => {
  it('holds a number back from its count-th call in the window until the earliest leaves it', () => {
    const holds = limitHolds(
      lock({
        'sim/a': entry({ at: at(T) }),
        'sim/b': entry({ at: at(T + 10 * 60_000) }),
        'sim/c': entry({ at: at(T + 20 * 60_000), number: 'sha256:bbbb' }),
      }),
      twoPerHour,
    );
    // Full from the second call (09:10) until the first leaves the window (10:00).
    expect(holds.throughout('sha256:aaaa', T + 10 * 60_000, T + HOUR)).toBe(true);
    expect(holds.throughout('sha256:aaaa', T + 9 * 60_000, T + 30 * 60_000)).toBe(false);
    expect(holds.throughout('sha256:aaaa', T + 30 * 60_000, T + HOUR + 1)).toBe(false);
    // Another number, one call: never full.
    expect(holds.throughout('sha256:bbbb', T + 20 * 60_000, T + 21 * 60_000)).toBe(false);
    expect(holds.throughout('sha256:cccc', T, T + 1)).toBe(false);
  });

  it('joins the spans of calls that keep the window full, and counts what may have rung only', () => {
    const holds = limitHolds(
      lock({
        'sim/a': entry({ at: at(T) }),
        'sim/b': entry({ at: at(T + 10 * 60_000) }),
        'sim/c': entry({ at: at(T + 50 * 60_000) }),
        'sim/d': entry({ at: at(T + 55 * 60_000), status: 'failed' }),
        'sim/e': entry({
          at: at(T + 70 * 60_000),
          status: 'unknown',
          history: [{ sid: 's', at: at(T + 65 * 60_000), number: 'sha256:aaaa' }],
        }),
      }),
      twoPerHour,
    );
    // 09:10–10:00 (a, b), 09:50–10:10 (b, c), 10:05–10:50 (c, the call e replaced), 10:10–11:05
    // (that call, e): one span, from 09:10 until the call at 10:05 leaves the window. d failed.
    expect(holds.throughout('sha256:aaaa', T + 10 * 60_000, T + 125 * 60_000)).toBe(true);
    expect(holds.throughout('sha256:aaaa', T + 10 * 60_000, T + 125 * 60_000 + 1)).toBe(false);
  });
});
