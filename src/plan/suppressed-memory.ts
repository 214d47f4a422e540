import { memoryKey } from './memory.js';
import type { MissedReport, PlanItem } from './types.js';

/**
 * The slots a do-not-call list holds back when they fall due are settled as apply and run
 * say them suppressed: none of them is placed later (the number taken off the list within
 * the slot's deadline is called from its next slot) nor reported missed once its deadline
 * passed. The memory is what says so, as for the slots of a call seen disabled: the report of
 * each scheduled call looks through its latest slot held back now, and `reportedThrough`
 * moves there. Without it a number taken off the list would have its last suppressed slot
 * reported `missed … never placed late` by the next apply or run, an outage that never was.
 */

const memoryOf = (item: PlanItem): string => memoryKey(item.target, item.campaign ?? item.name);

/**
 * `reports` and, per memory of the plan (`known`) with a slot due now that a list holds back
 * (`suppressed`), a report looking through the latest of them. Not over a report whose count
 * stopped at its bound (`atLeast`): its slots after where it stopped were not counted yet.
 */
export const throughSuppressed = (
  reports: readonly MissedReport[],
  suppressed: readonly PlanItem[],
  known: ReadonlySet<string>,
): readonly MissedReport[] => {
  const latest = new Map<string, string>();
  for (const item of suppressed) {
    if (item.slot === undefined) continue;
    const memory = memoryOf(item);
    if (!known.has(memory)) continue;
    const was = latest.get(memory);
    if (was === undefined || item.slot > was) latest.set(memory, item.slot);
  }
  if (latest.size === 0) return reports;
  for (const report of reports) if (report.atLeast) latest.delete(report.memory);
  // A call's own report looks further; a memory without one gets one, reporting nothing.
  const out = reports.map((report) => {
    const through = latest.get(report.memory);
    if (through === undefined) return report;
    latest.delete(report.memory);
    return report.through !== undefined && report.through >= through
      ? report
      : { ...report, through };
  });
  for (const [memory, through] of latest) out.push({ memory, count: 0, items: [], through });
  return out;
};

/**
 * Per campaign memory, the slots its rows are due at, counted, so that the earliest one
 * still pending is found once the plan's screen took out the rows a list holds back: a
 * campaign's reports look no further than the second before it (keptBefore), and a row a
 * list holds back is settled as a call's slot is, not pending.
 */
export interface PendingSlots {
  add(item: PlanItem): void;
  /** `item` is not pending after all (a list holds it back). */
  drop(item: PlanItem): void;
  /** The earliest slot a row of `memory` is still due at. */
  earliest(memory: string): string | undefined;
}

export const pendingSlots = (): PendingSlots => {
  const slots = new Map<string, Map<string, number>>();
  const rowSlot = (item: PlanItem) =>
    item.campaign === undefined || item.slot === undefined ? undefined : item.slot;
  return {
    add: (item) => {
      const slot = rowSlot(item);
      if (slot === undefined) return;
      const memory = memoryOf(item);
      let of = slots.get(memory);
      if (of === undefined) {
        of = new Map();
        slots.set(memory, of);
      }
      of.set(slot, (of.get(slot) ?? 0) + 1);
    },
    drop: (item) => {
      const slot = rowSlot(item);
      const of = slot === undefined ? undefined : slots.get(memoryOf(item));
      const count = slot === undefined ? undefined : of?.get(slot);
      if (of === undefined || slot === undefined || count === undefined) return;
      if (count <= 1) of.delete(slot);
      else of.set(slot, count - 1);
    },
    earliest: (memory) => {
      let found: string | undefined;
      for (const slot of slots.get(memory)?.keys() ?? []) {
        if (found === undefined || slot < found) found = slot;
      }
      return found;
    },
  };
};
