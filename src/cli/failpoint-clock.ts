import { existsSync } from 'node:fs';

/**
 * Test failpoint of the process's clock: `CALLOPS_FAILPOINT_CLOCK_SHIFT_MS=<ms>` moves every
 * reading of the wall clock (`Date.now()`, `new Date()`) that far, negative for behind, as a
 * host whose clock is wrong would (faketime, within the process). It lets a test run runners
 * whose clocks disagree against one state database. The monotonic clock is left alone.
 * `<ms>,until=<path>` sets the clock right once `<path>` exists, as NTP steps a clock that was
 * wrong: a test shows what a runner does once its clock is right again.
 */
export const CLOCK_SHIFT_ENV = 'CALLOPS_FAILPOINT_CLOCK_SHIFT_MS';

/** How often the clock looks for the path that sets it right (on the monotonic clock). */
const LOOK_EVERY_MS = 50;

/** Shift the clock when the variable holds a number of milliseconds other than 0. */
export const shiftClock = (env: Readonly<Record<string, string | undefined>>): void => {
  const [ms = '', until] = (env[CLOCK_SHIFT_ENV] ?? '').split(',until=');
  let shift = Number(ms);
  if (!Number.isFinite(shift) || shift === 0) return;
  let lookedAt = -Infinity;
  /** The shift now: 0 for good once `until` exists. */
  const shiftNow = (): number => {
    if (until === undefined || shift === 0) return shift;
    const now = performance.now();
    if (now - lookedAt < LOOK_EVERY_MS) return shift;
    lookedAt = now;
    if (existsSync(until)) shift = 0;
    return shift;
  };
  const Real = Date;
  class Shifted extends Real {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(Real.now() + shiftNow());
      else super(...(args as ConstructorParameters<DateConstructor>));
    }
    static override now(): number {
      return Real.now() + shiftNow();
    }
  }
  globalThis.Date = Shifted as DateConstructor;
};
