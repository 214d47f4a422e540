import type { PreviousPlacement, ScheduleMemory } from '../state/types.js';
import type { TargetEntries, UnresolvedEntries } from './twins.js';

/** Pure plan: what apply would do at `now`. */
export interface PlanItem {
  /** `<target>/<name>` or `<target>/<name>@<slot ISO Z, seconds>` */
  readonly key: string;
  readonly name: string;
  readonly target: string;
  readonly file: string;
  readonly line: number;
  /** ISO-8601 UTC, seconds precision, for scheduled calls. */
  readonly slot?: string;
  /** The slot in the schedule's time zone, when that is not UTC: `09:00 Europe/Berlin`. */
  readonly local?: string;
  /** Whom the call dials, as written (references like `${VAR}` unresolved). */
  readonly to: string;
  readonly definition: string;
  /** Why the item is skipped/missed, or what it re-does (e.g. "retrying failed (400 ...)"). */
  readonly reason?: string;
  /** Placed, but its definition changed since (the lockfile keeps the hash it was placed with). */
  readonly changed?: true;
  /** A campaign row: the campaign (call) it belongs to and its row id. */
  readonly campaign?: string;
  readonly row?: string;
  /** A campaign row outside its calling hours (listed as upcoming): the next instant it may be called (ISO-8601 UTC). */
  readonly waiting?: true;
  readonly opens?: string;
  /** A campaign row whose `end` passed before it was reached (listed as missed). */
  readonly expired?: true;
  /** Due as a deliberate replacement (`apply --replace`): the placement it repeats. */
  readonly replaces?: PreviousPlacement;
}

/** A number of missed slots: exact, or a lower bound when counting stopped at its bound. */
export interface MissedCount {
  readonly count: number;
  /** Counting stopped at its bound (COUNT_SCANS): at least `count` were missed. */
  readonly atLeast?: true;
}

/**
 * One scheduled call's missed slots not reported yet: what apply and run report, and how far
 * they looked. `count` counts every one of them; `items` lists the latest (at most
 * MISSED_PER_CALL missed and as many superseded), the first saying when earlier ones are
 * not listed.
 */
export interface MissedReport extends MissedCount {
  /** The call's (or campaign's) key in the `schedules` memory. */
  readonly memory: string;
  readonly items: readonly PlanItem[];
  /**
   * The latest slot looked at (missed or not), ISO-8601 UTC: the call's `reportedThrough`
   * once reported. Every missed slot up to it is counted; none after it (when `atLeast`).
   * A campaign's stays before the earliest slot a row of it is due at (keptBefore).
   */
  readonly through?: string;
  /** The expired rows of a campaign (`through` is its end), not missed slots. */
  readonly expired?: true;
  /**
   * Of a campaign only some of whose rows the plan covers (`Plan.partial`): reported, but not
   * remembered as reported (markChecked leaves its memory as it was).
   */
  readonly partial?: true;
}

/** A campaign this plan covers: its rows (every one, listed or not). */
export interface CampaignRows {
  readonly name: string;
  readonly rows: number;
  /** Its rows are placed at the slots of cron/at. */
  readonly slotted: boolean;
}

export interface Plan {
  readonly target: string;
  readonly now: string;
  readonly due: readonly PlanItem[];
  readonly upcoming: readonly PlanItem[];
  readonly missed: readonly PlanItem[];
  /**
   * How many slots `missed` stands for: its items, and the missed slots it does not list
   * (older than those listed per call, of the last 24 hours or not reported yet).
   */
  readonly missedCount?: MissedCount;
  /** Per scheduled call with missed slots not reported yet: what apply and run report. */
  readonly unreported?: readonly MissedReport[];
  readonly skipped: readonly PlanItem[];
  /**
   * Targets the state holds entries of that the project no longer defines (renamed, most
   * often), with how many: a call, slot or row they placed is not placed again under
   * another target's name (twins.ts). Absent when there are none.
   */
  readonly goneTargets?: readonly TargetEntries[];
  /**
   * Targets defined beside the run's target on the same gateway (base_url and account_sid)
   * that hold entries: a call, slot or row placed under either name is placed once.
   */
  readonly sameGateway?: readonly TargetEntries[];
  /**
   * Targets defined beside the run's target whose base_url or account_sid does not resolve
   * now (a variable unset) that hold entries: an entry recording the gateway that placed it is
   * held when that is the run target's (`held`), else placed again (`otherGateway`); the
   * others are read as another gateway's, their calls placed again under the run's target;
   * were one of them its gateway renamed, that calls someone again (twins.ts, unresolvedTargets).
   */
  readonly unresolvedTargets?: readonly UnresolvedEntries[];
  /** Due placements to a number on a do-not-call list: never sent (reason: list file:line). */
  readonly suppressed?: readonly PlanItem[];
  /** Due placements the per-number limit holds back: due again once the window allows. */
  readonly waiting?: readonly PlanItem[];
  /**
   * The earliest instant an earlier call to the number of a `waiting` placement leaves the
   * per-number limit's window (on the real clock, where the calls it counts rang): `run`
   * wakes then, to place it within its deadline.
   */
  readonly limitFrees?: string;
  /**
   * The lockfile's `schedules` memory with every scheduled call of this plan remembered
   * (`since` = now for one seen for the first time). apply and run write it; plan reads only.
   */
  readonly memory?: Readonly<Record<string, ScheduleMemory>>;
  /**
   * The memory keys of the campaigns of which the plan covers some rows only (`--only
   * NAME/ROW`): their memory, shared with the rows left out, is not moved by what it reports
   * (the other rows' missed slots were not looked at), so the next plan of the whole
   * campaign reports these again rather than never those of the other rows.
   */
  readonly partial?: readonly string[];
  /**
   * The campaigns this plan covers, in the order of their definitions: a campaign whose
   * rows it lists no slot of still has its line in `plan`.
   */
  readonly campaigns?: readonly CampaignRows[];
  /**
   * Per call (a campaign once) whose latest slot the state holds placed or unknown is later
   * than `now` on the clock: the clock went back, or a runner's clock was ahead. Its earlier
   * slots are not placed; plan, apply, run and status warn of it.
   */
  readonly clockAhead?: readonly ClockAhead[];
}

/**
 * An entry later than the clock of the plan: its key and status. Or, `reported`, a call's (a
 * campaign's) memory settled through a slot later than the clock: `<memory>@<reportedThrough>`.
 */
export interface ClockAhead {
  readonly key: string;
  readonly status: 'placed' | 'unknown' | 'reported';
}
