/**
 * Test failpoint of the process's clock: `CALLOPS_FAILPOINT_CLOCK_SHIFT_MS=<ms>` moves every
 * reading of the wall clock (`Date.now()`, `new Date()`) that far, negative for behind, as a
 * host whose clock is wrong would (faketime, within the process). It lets a test run runners
 * whose clocks disagree against one state database. The monotonic clock is left alone.
 */
export const CLOCK_SHIFT_ENV = 'CALLOPS_FAILPOINT_CLOCK_SHIFT_MS';

/** Shift the clock when the variable holds a number of milliseconds other than 0. */
export const shiftClock = (env: Readonly<Record<string, string | undefined>>): void => {
  const shift = Number(env[CLOCK_SHIFT_ENV] ?? '');
  if (!Number.isFinite(shift) || shift === 0) return;
  const Real = Date;
  class Shifted extends Real {
    constructor(...args: ConstructorParameters<DateConstructor> | []) {
      if (args.length === 0) super(Real.now() + shift);
      else super(...(args as ConstructorParameters<DateConstructor>));
    }
    static override now(): number {
      return Real.now() + shift;
    }
  }
  globalThis.Date = Shifted as DateConstructor;
};
