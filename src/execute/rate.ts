import { setTimeout as delay } from 'node:timers/promises';

export interface Rate {
  readonly count: number;
  readonly perMs: number;
}

export interface LimiterClock {
  /** Epoch ms (or any monotonic ms). */
  readonly now: () => number;
  /** Resolves after `ms` (a fake clock advances `now` by at least that much); may reject on abort. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface RateLimiter {
  /** Waits for the next free slot; false when `signal` aborted first (no slot is taken then). */
  acquire(signal?: AbortSignal): Promise<boolean>;
}

export const systemClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal ? { signal } : undefined),
};

/**
 * A smooth limiter: grants are spaced at least `perMs / count` apart, measured from the
 * moment each grant was actually given, so no window of `perMs` ever holds more than
 * `count` grants, even when timers fire late. Waiters are served in arrival order.
 */
export function createRateLimiter(rate: Rate, clock: LimiterClock = systemClock): RateLimiter {
  if (!(rate.count > 0) || !(rate.perMs > 0)) {
    throw new RangeError(`invalid rate ${rate.count}/${rate.perMs}ms`);
  }
  const intervalMs = rate.perMs / rate.count;
  let lastGrant = Number.NEGATIVE_INFINITY;
  let queue: Promise<unknown> = Promise.resolve();

  async function take(signal?: AbortSignal): Promise<boolean> {
    // A timer may fire a little early; look again, a bounded number of times.
    for (let round = 0; round < 3; round++) {
      if (signal?.aborted) return false;
      const wait = lastGrant + intervalMs - clock.now();
      if (wait <= 0) break;
      try {
        await clock.sleep(Math.ceil(wait), signal);
      } catch {
        return false;
      }
    }
    if (signal?.aborted) return false;
    lastGrant = clock.now();
    return true;
  }

  return {
    acquire(signal) {
      const turn = queue.then(() => take(signal));
      queue = turn;
      return turn;
    },
  };
}
