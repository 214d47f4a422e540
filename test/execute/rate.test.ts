import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRateLimiter, type LimiterClock } from '../../src/execute/rate.js';

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
