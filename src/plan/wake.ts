import type { Plan, PlanItem } from './types.js';

type Woken = Pick<Plan, 'now' | 'upcoming' | 'suppressed' | 'limitFrees'>;

/** The instant an item becomes due at: its slot, or the next opening of a waiting row. */
const dueAt = (item: PlanItem): number => Date.parse(item.slot ?? item.opens ?? '');

/**
 * The instants at which the plan's items to come become due: a scheduled slot, or the next
 * opening of a campaign row waiting for its calling hours. `run` sleeps until the earliest.
 * A slot to come whose number is on a do-not-call list counts as much: it is said suppressed
 * when it falls due, and, were the number taken off the list, placed within its deadline.
 * So does the instant the per-number limit lets a waiting placement through: it is placed
 * then, within its deadline, not left to miss it until the next slot.
 */
export const wakeTimes = (plan: Woken): number[] => {
  const now = Date.parse(plan.now);
  const later = (plan.suppressed ?? []).filter((i) => dueAt(i) > now);
  const frees = plan.limitFrees === undefined ? [] : [Date.parse(plan.limitFrees)];
  return [...plan.upcoming, ...later]
    .map(dueAt)
    .concat(frees)
    .filter((t) => !Number.isNaN(t));
};

/**
 * The placements a do-not-call list holds back that are due at the plan's `now` (the plan
 * lists those to come as suppressed too): what apply says suppressed, and run once each.
 */
export const suppressedNow = (plan: Woken): readonly PlanItem[] => {
  const now = Date.parse(plan.now);
  return (plan.suppressed ?? []).filter((i) => i.waiting !== true && !(dueAt(i) > now));
};
