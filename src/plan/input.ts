import { destinationNumber } from '../screen/number.js';
import type { Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { callOf } from './item.js';
import type { PlanScreen } from './screen.js';
import type { PlanItem } from './types.js';

/** What buildPlan is given, and what the plan reads of it beyond the definitions. */

export interface PlanInput {
  readonly calls: readonly CallDefinition[];
  /**
   * Every call once by its name, a campaign as its template (ValidatedProject.named): asked
   * which names are defined without making a campaign's rows. Default: `calls`.
   */
  readonly named?: readonly CallDefinition[];
  /**
   * The names of the campaigns among `named` (ValidatedProject.campaigns): a campaign's
   * template is written as a call is. Default: none (a row says which campaign it is of).
   */
  readonly campaigns?: readonly string[];
  readonly lock: Lockfile;
  readonly now: Date;
  /** The target of this run (`--target`, `default_target`, or the built-in simulator). */
  readonly runTarget: string;
  /**
   * Every target the project defines now (the built-in simulator too), each with an identity
   * of the gateway it places calls on, equal for two targets on one gateway (see twins.ts):
   * the entries of a target no longer defined, or of another name for the same gateway,
   * hold the calls they placed. Without it, a target's own entries alone count.
   */
  readonly gateways?: ReadonlyMap<string, string>;
  /** True when the user chose the target (`--target`): calls pinned elsewhere are skipped. */
  readonly explicitTarget: boolean;
  /** Only these call names are planned; the others are not listed at all. */
  readonly only?: readonly string[];
  readonly retryUnknown?: boolean;
  /**
   * True when `now` is an instant given (`--now`), not the clock: a slot later than it that
   * the lockfile holds placed does not supersede the earlier ones there, as it does on the
   * clock (where it means the clock went back, or another runner's is ahead).
   */
  readonly rehearsal?: boolean;
  /**
   * Unscheduled calls to place again although placed (`apply --replace`); checked before
   * (`checkReplace`): a name here that is not placed is simply planned as usual.
   */
  readonly replace?: readonly string[];
  /** Upcoming slots listed per scheduled call (default 3). */
  readonly upcomingCount?: number;
  /** How far ahead upcoming slots are looked for (default DEFAULT_HORIZON_MS: eight years). */
  readonly upcomingHorizonMs?: number;
  /** Do-not-call lists and per-number limits, applied to every due placement. */
  readonly screen?: PlanScreen;
  /**
   * The normalised number an item dials, its `${VAR}` references resolved (see PlanScreen's
   * `numberOf`): asked only of the unknown entries `retryUnknown` retries, to hold those that
   * dial another number now. Without it (nor a screen), only a number written as such is.
   */
  readonly numberOf?: (item: PlanItem) => string | undefined;
  /**
   * The normalised number a call or campaign row dials, its `${VAR}` references resolved
   * (engine/prepare.ts callNumberOf; only digests of it are compared): what the campaign's
   * already-dialled checks (shifted.ts, renamed.ts) read of a row. Default: as written
   * (`numberOfCall`), which cannot tell the number of a `to` holding a `${VAR}`.
   */
  readonly callNumber?: (call: CallDefinition) => string | undefined;
  /**
   * Per memory key, through which slot missed slots were reported beyond what the lockfile's
   * memory says: what `run` reported of a campaign it selects some rows of (`partial`), which
   * the memory, shared with the other rows, does not keep.
   */
  readonly reported?: Readonly<Record<string, string>>;
  /**
   * When callops first saw a scheduled call the lockfile's memory does not know (its
   * `since`; default `now`). `run` gives its previous look at the files: a call it finds now
   * was not in them then, so a slot of it that was still live then is placed within its
   * deadline or reported missed, not silently dropped.
   */
  readonly firstSeen?: Date;
}

/** The number a plan item dials, as the plan's screen reads it (references resolved). */
export const numberOfItem = (input: PlanInput): ((item: PlanItem) => string | undefined) =>
  input.numberOf ??
  input.screen?.numberOf ??
  ((item) => {
    const call = input.callNumber === undefined ? undefined : callOf(item);
    return call === undefined ? destinationNumber(item.to) : input.callNumber?.(call);
  });

/** The `since` of a call the memory does not know yet (never after `now`). */
export const firstSeenOf = (input: PlanInput): string =>
  input.firstSeen !== undefined && input.firstSeen.getTime() < input.now.getTime()
    ? input.firstSeen.toISOString()
    : input.now.toISOString();

export const instant = (text: string | undefined): number => {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
};

/** Through which slot the missed slots of memory `key` were reported (-∞: none). */
export const reportedThrough = (input: PlanInput, key: string): number =>
  Math.max(instant(input.lock.schedules?.[key]?.reportedThrough), instant(input.reported?.[key]));
