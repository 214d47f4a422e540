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

/** The limiter's state: the grid it paces on and the last `count` grants, oldest first. */
export interface Pacing {
  readonly anchor: number;
  readonly index: number;
  readonly recent: readonly number[];
}

/** Where grant `index` falls on the ideal grid that starts at `anchor`. */
export const gridSlot = (rate: Rate, pacing: Pacing): number =>
  pacing.anchor + (pacing.index * rate.perMs) / rate.count;

/** The earliest instant the next grant keeps every window of `perMs` at `count` or fewer. */
export const windowOpens = (rate: Rate, pacing: Pacing): number => {
  const { recent } = pacing;
  const oldest = recent.length >= rate.count ? recent[recent.length - rate.count] : undefined;
  return oldest === undefined ? Number.NEGATIVE_INFINITY : oldest + rate.perMs;
};

/**
 * A smooth limiter paced on an ideal grid: grant i is due at `t0 + i × perMs / count`, so a
 * timer that fires late delays that grant only, and the next ones catch up (the achieved
 * rate is the configured one, not one lowered by every late timer). It never goes above
 * the rate: a grant also waits until `perMs` has passed since the grant `count` before it,
 * so no window of `perMs` ever holds more than `count` grants, however the timers fire.
 * Requests held up for less than a window (a slow intent write, a busy event loop) catch
 * up too; a waiter that comes more than `perMs` after its slot (nobody asked meanwhile)
 * starts a new grid at its arrival: idle time is not saved up. Served in arrival order.
 */
export function createRateLimiter(rate: Rate, clock: LimiterClock = systemClock): RateLimiter {
  if (!(rate.count > 0) || !(rate.perMs > 0)) {
    throw new RangeError(`invalid rate ${rate.count}/${rate.perMs}ms`);
  }
  const pacing = { anchor: Number.NEGATIVE_INFINITY, index: 0, recent: [] as number[] };
  let queue: Promise<unknown> = Promise.resolve();

  const sleep = async (ms: number, signal?: AbortSignal): Promise<boolean> => {
    try {
      await clock.sleep(ms, signal);
      return !signal?.aborted;
    } catch {
      return false;
    }
  };

  async function take(arrived: number, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return false;
    if (arrived - gridSlot(rate, pacing) > rate.perMs) {
      pacing.anchor = arrived;
      pacing.index = 0;
    }
    // The grid: a timer may fire a little early; look again, a bounded number of times.
    for (let round = 0; round < 3; round++) {
      const wait = Math.max(gridSlot(rate, pacing), windowOpens(rate, pacing)) - clock.now();
      if (wait <= 0) break;
      if (!(await sleep(Math.ceil(wait), signal))) return false;
    }
    // The window is the promise: wait until it holds, however early the timers fire.
    for (;;) {
      const wait = windowOpens(rate, pacing) - clock.now();
      if (wait <= 0) break;
      if (!(await sleep(Math.max(1, Math.ceil(wait)), signal))) return false;
    }
    if (signal?.aborted) return false;
    pacing.recent.push(clock.now());
    if (pacing.recent.length > rate.count) pacing.recent.shift();
    pacing.index += 1;
    return true;
  }

  return {
    acquire(signal) {
      const arrived = clock.now();
      const turn = queue.then(() => take(arrived, signal));
      queue = turn;
      return turn;
    },
  };
}
