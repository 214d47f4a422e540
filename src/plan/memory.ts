import type { Lockfile, ScheduleMemory } from '../state/types.js';
import type { PlanItem } from './types.js';

export type Schedules = Readonly<Record<string, ScheduleMemory>>;

/** The memory of a scheduled call on a target: `<target>/<call>`. */
export const memoryKey = (target: string, name: string): string => `${target}/${name}`;

type Slotted = Pick<PlanItem, 'target' | 'name' | 'slot' | 'campaign'>;

/** The memory a plan item belongs to: its call's, or its campaign's for a row. */
const keyOf = (item: Slotted): string => memoryKey(item.target, item.campaign ?? item.name);

/** Missed items not reported before: their slot is later than their call's `reportedThrough`. */
export const unreported = <T extends Slotted>(
  items: readonly T[],
  schedules: Schedules = {},
): T[] =>
  items.filter((item) => {
    const through = schedules[keyOf(item)]?.reportedThrough;
    return through === undefined || item.slot === undefined || item.slot > through;
  });

/**
 * The memory after `items` were reported as missed: each call's `reportedThrough` moves up to
 * its latest reported slot (never back). Calls callops has not seen yet are left alone.
 */
export const markReported = (schedules: Schedules, items: readonly Slotted[]): Schedules => {
  const out: Record<string, ScheduleMemory> = { ...schedules };
  for (const item of items) {
    const key = keyOf(item);
    const known = out[key];
    if (known === undefined || item.slot === undefined) continue;
    if (known.reportedThrough !== undefined && known.reportedThrough >= item.slot) continue;
    out[key] = { ...known, reportedThrough: item.slot };
  }
  return out;
};

const sorted = (schedules: Schedules | undefined): string =>
  JSON.stringify(Object.entries(schedules ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)));

/** The lockfile with this memory, and whether that changed it. */
export const withSchedules = (
  lock: Lockfile,
  schedules: Schedules,
): { readonly lock: Lockfile; readonly changed: boolean } => ({
  lock: { ...lock, schedules },
  changed: sorted(lock.schedules) !== sorted(schedules),
});
