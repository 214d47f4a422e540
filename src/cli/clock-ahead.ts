import type { Plan } from '../plan/types.js';
import { clockAheadWarning } from '../report/clock-ahead.js';

/** Says on stderr, once per call, each entry the plan found later than its clock (Plan.clockAhead). */
export const warnClockAhead = (stderr: { write(text: string): unknown }, plan: Plan): void => {
  for (const ahead of plan.clockAhead ?? [])
    stderr.write(`${clockAheadWarning(ahead, new Date(plan.now))}\n`);
};
