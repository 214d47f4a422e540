import type { Plan } from '../plan/types.js';
import { recurringKey } from '../state/retention.js';

/*
 * What `run` remembers it said or gave up per key (a missed slot reported, a hold said, a
 * failed slot not sent again), kept only while a plan can still list that key: a run that
 * lasts months must not hold every slot it ever saw.
 */

/**
 * The earliest slot (ms) any list of `plan` holds: due, missed and reported missed, held
 * (suppressed, waiting, skipped) and upcoming. A later plan lists no earlier slot (its
 * memory, its deadlines and the clock only move on); `plan.now` when it lists none.
 */
export const earliestListed = (plan: Plan): number => {
  let earliest = Date.parse(plan.now);
  const look = (items: readonly { readonly key: string }[] | undefined) => {
    for (const item of items ?? []) {
      const slot = recurringKey(item.key);
      if (slot !== undefined && slot.slotMs < earliest) earliest = slot.slotMs;
    }
  };
  look(plan.due);
  look(plan.upcoming);
  look(plan.missed);
  look(plan.skipped);
  look(plan.suppressed);
  look(plan.waiting);
  for (const report of plan.unreported ?? []) look(report.items);
  return earliest;
};

/**
 * Forget the entries of `said` whose key's slot is before `floorMs` (`keyOf` reads an
 * entry's key). A key without a slot (a call that runs once) stays: every plan may list it.
 */
export const forgetBefore = (
  said: Set<string>,
  floorMs: number,
  keyOf: (entry: string) => string = (entry) => entry,
): void => {
  for (const entry of said) {
    const slot = recurringKey(keyOf(entry));
    if (slot !== undefined && slot.slotMs < floorMs) said.delete(entry);
  }
};
