import type { Lockfile, ScheduleMemory } from '../state/types.js';
import { formatSlot } from './keys.js';
import type { MissedCount, MissedReport, Plan, PlanItem } from './types.js';

export type Schedules = Readonly<Record<string, ScheduleMemory>>;

/** The memory of a scheduled call on a target: `<target>/<call>`. */
export const memoryKey = (target: string, name: string): string => `${target}/${name}`;

type Slotted = Pick<PlanItem, 'target' | 'name' | 'slot' | 'campaign'>;

/** The memory a plan item belongs to: its call's, or its campaign's for a row. */
const keyOf = (item: Slotted): string => memoryKey(item.target, item.campaign ?? item.name);

/**
 * The memory after `items` were reported as missed: each call's `reportedThrough` moves up to
 * its latest reported slot (never back). Calls callops has not seen yet are left alone, and
 * so are the memories `partial` names (campaigns of which some rows only were planned).
 */
export const markReported = (
  schedules: Schedules,
  items: readonly Slotted[],
  partial: readonly string[] = [],
): Schedules => {
  const out: Record<string, ScheduleMemory> = { ...schedules };
  for (const item of items) {
    const key = keyOf(item);
    const known = out[key];
    if (known === undefined || item.slot === undefined || partial.includes(key)) continue;
    if (known.reportedThrough !== undefined && known.reportedThrough >= item.slot) continue;
    out[key] = { ...known, reportedThrough: item.slot };
  }
  return out;
};

/**
 * The memory a scheduled call starts with under a name the memory does not know, renamed from
 * the call (or campaign) whose memory is `from` (renamed.ts recognises a rename: the same
 * number dialled on the same target under a name no enabled call has now). Through which
 * slot its missed slots were reported, and through which slot `state.keep` let its entries
 * go, carry over: a slot is reported missed once, whatever its call's name. Its `since` stays
 * `since`, when callops first saw the new name, so a rename never widens what is reported: a
 * call removed long ago, and another one defined later to its number, reports none of the old
 * one's slots. Undefined when `from` remembers nothing reported nor let go.
 */
export const carriedMemory = (
  schedules: Schedules | undefined,
  from: string,
  since: string,
): ScheduleMemory | undefined => {
  const { reportedThrough, prunedThrough } = schedules?.[from] ?? {};
  if (reportedThrough === undefined && prunedThrough === undefined) return undefined;
  return {
    since,
    ...(reportedThrough === undefined ? {} : { reportedThrough }),
    ...(prunedThrough === undefined ? {} : { prunedThrough }),
  };
};

/**
 * What apply reports as missed: the missed slots of each scheduled call and the expired rows
 * of each campaign not reported before (the latest slots listed, all counted).
 */
export const missedToReport = (
  plan: Pick<Plan, 'unreported'>,
): { readonly missed: readonly PlanItem[]; readonly missedCount: MissedCount } => {
  const reports = plan.unreported ?? [];
  const count = reports.reduce((sum, r) => sum + r.count, 0);
  return {
    missed: reports.flatMap((r) => r.items),
    missedCount: { count, ...(reports.some((r) => r.atLeast) ? { atLeast: true } : {}) },
  };
};

/**
 * The memory after the plan's `reports` were reported: each call's `reportedThrough` moves
 * up to the latest slot its report looked at (never back), over the slots it counted only.
 * A report of some rows of a campaign (`partial`) moves nothing: the campaign's memory is
 * its other rows' too.
 */
export const markChecked = (
  schedules: Schedules,
  reports: readonly Pick<MissedReport, 'memory' | 'through' | 'partial'>[],
): Schedules => {
  const out: Record<string, ScheduleMemory> = { ...schedules };
  for (const { memory, through, partial } of reports) {
    const known = out[memory];
    if (known === undefined || through === undefined || partial) continue;
    const before =
      known.reportedThrough === undefined ? Number.NaN : Date.parse(known.reportedThrough);
    if (before >= Date.parse(through)) continue;
    out[memory] = { ...known, reportedThrough: through };
  }
  return out;
};

/**
 * A campaign's report kept before `pending`, the earliest slot one of its rows is due at (a
 * refused request retried, a placement the per-number limit holds back): the memory is all its
 * rows', and a `reportedThrough` at or past that slot would keep the row from placing it, and
 * from reporting it missed once its deadline passed. So the report looks through the second
 * before it: what it lists of other rows' slots after that is reported again by the next
 * apply or run (a missed slot said twice, rather than a slot never placed nor reported).
 */
export const keptBefore = <R extends Pick<MissedReport, 'through'>>(
  report: R,
  pending: string | undefined,
): R =>
  pending === undefined || report.through === undefined || report.through < pending
    ? report
    : { ...report, through: formatSlot(new Date(Date.parse(pending) - 1000)) };

/**
 * The memory an apply planned at `at` keeps, the clock reading `clock`. At or before the
 * clock, all of it. A rehearsal ahead of the clock (`apply --now` in the future) reports as
 * at that instant but keeps nothing the clock has not reached: no `reportedThrough` moves,
 * and a call it sees first is remembered since the clock. A real apply or run after it then
 * places the slots that fall due and reports those missed, as if it had not been.
 */
export const memoryAt = (
  before: Schedules | undefined,
  after: Schedules,
  at: Date,
  clock: Date,
): Schedules => {
  if (at.getTime() <= clock.getTime()) return after;
  const out: Record<string, ScheduleMemory> = { ...before };
  for (const [key, memory] of Object.entries(after)) {
    if (out[key] !== undefined) continue;
    const since = Date.parse(memory.since) <= clock.getTime() ? memory.since : clock.toISOString();
    out[key] = { since };
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
