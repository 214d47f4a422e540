import { formatSlot } from '../plan/keys.js';
import type { ClockAhead } from '../plan/types.js';

/**
 * The warning for an entry later than this runner's clock (Plan.clockAhead): the clock went
 * back (an NTP step), or the runner that placed it had a clock ahead of this one. Its call's
 * earlier slots are not placed, whatever the clock says: no slot goes after a later one.
 */
export const clockAheadWarning = (ahead: ClockAhead, now: Date): string =>
  `warning: ${ahead.key} is recorded ${ahead.status}, later than this runner's clock (${formatSlot(now)}): the clock went back, or a runner's clock was ahead; its earlier slots are not placed`;
