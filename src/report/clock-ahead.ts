import { formatSlot } from '../plan/keys.js';
import type { ClockAhead } from '../plan/types.js';

/**
 * The warning for an entry later than this runner's clock (Plan.clockAhead): the clock went
 * back (an NTP step), or the runner that placed it had a clock ahead of this one. Its call's
 * earlier slots are not placed, whatever the clock says: no slot goes after a later one. A
 * memory settled through a slot later than the clock (`reported`) says so of the memory: the
 * slots up to it were settled on that later clock, and none of them is due again.
 */
export const clockAheadWarning = (ahead: ClockAhead, now: Date): string => {
  const clock = `later than this runner's clock (${formatSlot(now)}): the clock went back, or a runner's clock was ahead`;
  if (ahead.status !== 'reported')
    return `warning: ${ahead.key} is recorded ${ahead.status}, ${clock}; its earlier slots are not placed`;
  const at = ahead.key.lastIndexOf('@');
  return `warning: ${ahead.key.slice(0, at)} settled its slots through ${ahead.key.slice(at + 1)} (reportedThrough), ${clock}; none of them is placed`;
};
