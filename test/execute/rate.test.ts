import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createRateLimiter,
  gridSlot,
  type LimiterClock,
  windowOpens,
} from '../../src/execute/rate.js';

/** A clock that only moves when someone sleeps on it. */
function fakeClock(start = 1_000_000): LimiterClock & { sleeps: number[] } {
  let now = start;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

/**
 * A clock whose timers fire late (or early) by the next of `drifts` ms, in turn: like
 * Node's timers on a busy machine. Time never goes back, and a timer that fires early
 * still lets some time pass.
 */
function driftingClock(drifts: readonly number[], start = 1_000_000): LimiterClock {
  let now = start;
  let turn = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      const drift = drifts.length === 0 ? 0 : (drifts[turn++ % drifts.length] as number);
      now += ms <= 0 ? 0 : Math.max(1, ms + drift);
    },
  };
}

/** The most grants that fall in any half-open window [t, t + perMs). */
function busiestWindow(grants: readonly number[], perMs: number): number {
  let most = 0;
  for (const start of grants) {
    most = Math.max(most, grants.filter((t) => t >= start && t < start + perMs).length);
  }
  return most;
}

describe('createRateLimiter', () => {
  it('never grants more than count in any window of perMs', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ count: 5, perMs: 1000 }, clock);
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 23 }, async () => {
        await limiter.acquire();
        grants.push(clock.now());
      }),
    );
    expect(grants).toHaveLength(23);
    expect(busiestWindow(grants, 1000)).toBe(5);
  });

  it('spaces grants evenly instead of bursting', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ count: 4, perMs: 1000 }, clock);
    const grants: number[] = [];
    for (let i = 0; i < 9; i++) {
      await limiter.acquire();
      grants.push(clock.now());
    }
    const gaps = grants.slice(1).map((t, i) => t - (grants[i] as number));
    expect(gaps).toEqual(Array(8).fill(250));
  });

  it('does not wait when calls come slower than the rate', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ count: 2, perMs: 1000 }, clock);
    await limiter.acquire();
    await clock.sleep(600);
    await limiter.acquire();
    expect(clock.sleeps).toEqual([600]);
  });

  it('holds for any rate and any number of waiters', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 30 }),
        async (count, perMs, waiters) => {
          const clock = fakeClock();
          const limiter = createRateLimiter({ count, perMs }, clock);
          const grants: number[] = [];
          await Promise.all(
            Array.from({ length: waiters }, async () => {
              await limiter.acquire();
              grants.push(clock.now());
            }),
          );
          return grants.length === waiters && busiestWindow(grants, perMs) <= count;
        },
      ),
      { numRuns: 60 },
    );
  });

  it('catches up after late timers: 1,000 grants at 100/s take 9.99 s, not 13', async () => {
    // Every timer fires 3 ms late; a limiter that spaces each grant after the previous one
    // would achieve 100 / 1.3 ≈ 77/s.
    const clock = driftingClock([3]);
    const limiter = createRateLimiter({ count: 100, perMs: 1000 }, clock);
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 1000 }, async () => {
        await limiter.acquire();
        grants.push(clock.now());
      }),
    );
    expect(grants).toHaveLength(1000);
    const span = (grants[999] as number) - (grants[0] as number);
    const achieved = (999 * 1000) / span;
    expect(achieved).toBeGreaterThanOrEqual(99);
    expect(achieved).toBeLessThanOrEqual(100);
    expect(busiestWindow(grants, 1000)).toBeLessThanOrEqual(100);
  });

  it('saves no unused slots for a burst after a pause in demand', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ count: 4, perMs: 1000 }, clock);
    await limiter.acquire();
    await clock.sleep(5000);
    const grants: number[] = [];
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      grants.push(clock.now());
    }
    expect(grants.slice(1).map((t, i) => t - (grants[i] as number))).toEqual([250, 250]);
  });

  it('lets a waiter held up for less than a window catch up its slot', async () => {
    const clock = fakeClock(0);
    const limiter = createRateLimiter({ count: 4, perMs: 1000 }, clock);
    const grants: number[] = [];
    await limiter.acquire();
    grants.push(clock.now());
    await clock.sleep(400);
    for (let i = 0; i < 3; i++) {
      await limiter.acquire();
      grants.push(clock.now());
    }
    // Slot 1 (250) came late, at 400; slots 2 and 3 keep their places on the grid.
    expect(grants).toEqual([0, 400, 500, 750]);
  });

  it('puts grant i on the grid at anchor + i × perMs / count', () => {
    const rate = { count: 3, perMs: 1000 };
    expect(gridSlot(rate, { anchor: 500, index: 0, recent: [] })).toBe(500);
    expect(gridSlot(rate, { anchor: 500, index: 3, recent: [] })).toBe(1500);
    expect(gridSlot(rate, { anchor: 0, index: 1, recent: [] })).toBeCloseTo(333.33, 2);
  });

  it('opens the window perMs after the grant count places back, not before', () => {
    const rate = { count: 3, perMs: 1000 };
    expect(windowOpens(rate, { anchor: 0, index: 2, recent: [0, 10] })).toBe(
      Number.NEGATIVE_INFINITY,
    );
    expect(windowOpens(rate, { anchor: 0, index: 3, recent: [0, 10, 20] })).toBe(1000);
    expect(windowOpens(rate, { anchor: 0, index: 4, recent: [10, 20, 30] })).toBe(1010);
  });

  it('never goes above the rate, however late or early the timers fire and waiters come', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 3000 }),
        fc.array(fc.integer({ min: -3, max: 400 }), { maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 30 }),
        async (count, perMs, drifts, arrivals) => {
          const clock = driftingClock(drifts);
          const limiter = createRateLimiter({ count, perMs }, clock);
          const grants: number[] = [];
          await Promise.all(
            arrivals.map(async (after) => {
              if (after > 0) await clock.sleep(after);
              await limiter.acquire();
              grants.push(clock.now());
            }),
          );
          return grants.length === arrivals.length && busiestWindow(grants, perMs) <= count;
        },
      ),
      { numRuns: 200 },
    );
  });

  it('gives no slot to an aborted waiter and serves the next one', async () => {
    const clock = fakeClock();
    const limiter = createRateLimiter({ count: 1, perMs: 1000 }, clock);
    expect(await limiter.acquire()).toBe(true);
    expect(await limiter.acquire(AbortSignal.abort())).toBe(false);
    expect(await limiter.acquire()).toBe(true);
    expect(clock.sleeps).toEqual([1000]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => createRateLimiter({ count: 0, perMs: 1000 })).toThrow(RangeError);
  });
});
