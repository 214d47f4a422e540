import type { PlanItem } from './types.js';

/**
 * The instants at which upcoming items become due: a scheduled slot, or the next opening of
 * a campaign row waiting for its calling hours. `run` sleeps until the earliest.
 */
export const wakeTimes = (upcoming: readonly PlanItem[]): number[] =>
  upcoming.map((i) => Date.parse(i.slot ?? i.opens ?? '')).filter((t) => !Number.isNaN(t));
