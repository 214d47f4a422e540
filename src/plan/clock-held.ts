import { formatSlot } from './keys.js';
import type { ClockAhead } from './types.js';

/**
 * Why the first slot to come follows a slot later than the clock that the state holds placed
 * or unknown (latestTaken with `beyond`): the clock went back, or a runner's clock was ahead,
 * and every slot before that one is superseded by it when it falls due. Those slots are never
 * listed as to come: the plan looks for the next ones after it, and the first says why. So
 * does one after a `reportedThrough` later than the clock (`reported`): a clock that was later
 * settled every slot up to it, and none of them is due again.
 */
export const clockHeldWords = (slot: number, status: ClockAhead['status']): string =>
  status === 'reported'
    ? `slots before it held until after ${formatSlot(new Date(slot))}: they were settled on a later clock (reportedThrough) — the clock went back or was ahead`
    : `slots before it held until after ${formatSlot(new Date(slot))}: a later slot is recorded ${status} — the clock went back or was ahead`;
