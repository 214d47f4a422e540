import type { SimulatorClock } from '../../src/simulator/clock.js';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/**
 * A clock the test drives: `advance(ms)` runs every timer due by then, in time order
 * (timers they schedule included), and leaves `now` at the target.
 */
export const manualClock = (startMs = Date.UTC(2026, 11, 1, 9, 0, 0)) => {
  let now = startMs;
  let seq = 0;
  const timers: Timer[] = [];
  const next = (until: number): Timer | undefined => {
    const due = timers
      .filter((t) => !t.cancelled && t.at <= until)
      .sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (due !== undefined) timers.splice(timers.indexOf(due), 1);
    return due;
  };
  const clock: SimulatorClock = {
    now: () => now,
    after(ms, fn) {
      const timer: Timer = { at: now + Math.max(0, ms), seq: seq++, fn, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
  };
  return {
    clock,
    advance(ms: number): void {
      const target = now + ms;
      for (let timer = next(target); timer !== undefined; timer = next(target)) {
        now = timer.at;
        timer.fn();
      }
      now = target;
    },
    /** Timers waiting (not cancelled). */
    pending: () => timers.filter((t) => !t.cancelled).length,
  };
};
