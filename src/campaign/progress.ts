import { redialStops } from '../plan/changed.js';
import { numberOfCall, toOf } from '../plan/item.js';
import { placementKey } from '../plan/keys.js';
import { isRowPlacedOnce } from '../plan/row.js';
import type { RowNumber } from '../plan/shifted.js';
import { rowAttempts } from '../plan/twin-attempts.js';
import { targetTwins } from '../plan/twins.js';
import type { Plan } from '../plan/types.js';
import type { HoursCache } from '../schedule/hours.js';
import { isOtherNumber } from '../screen/number.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { rowCutOffAt, rowEndAt } from './end.js';
import { heldRows } from './held.js';
import { NO_REDIAL, rowProgress } from './redial.js';
import type { ReportLine } from './report-csv.js';
import { countStates, type RowContext, type RowState, rowState } from './row-state.js';
import { rowSlots, type SlotEntry, slotEntriesByRow } from './slot-entries.js';

const FINAL = new Set(['completed', 'busy', 'no-answer', 'failed']);

/**
 * Whether the latest attempt dialled a number other than the one the row names now (its
 * cells edited since): the lockfile keeps a digest of the number each attempt dialled.
 * False when either is not known (no digest recorded, a destination that is not a number).
 */
const dialledOther = (
  latest: LockEntry | undefined,
  call: CallDefinition,
  numberOf: RowNumber,
): boolean => latest?.number !== undefined && isOtherNumber(latest.number, numberOf(call));

/**
 * One report line per row of campaign `name` (pure): its attempts in the state, and its
 * state by the latest one (rowProgress, then rowState), or by the one answered or declined
 * when that is an earlier one (its answer came after a later attempt was placed); `plan` (made at the same instant)
 * says which rows are suppressed now, `to` is the row's destination as the plan shows it
 * (the row's own when the plan lists none of its slots). Whether a row's `end` passed is
 * judged at the plan's instant. A row of a campaign with cron/at is placed at each slot
 * (`KEY@<slot>`): its attempts are its slots with an entry, and it stands at its latest
 * slot's (a placed slot belongs to its time: an edit since speaks to the next slots, so it
 * is never `edited`); it has a slot left while the plan lists one of its slots as due or to
 * come (upcoming looks years ahead), else nothing more comes for it. `numberOf`: the number a
 * row dials, as the plan read it (its `${VAR}` resolved: engine/prepare.ts callNumberOf).
 * `listed`: whether a row's number is on a do-not-call list now, so that a row never called
 * whose slots are over (its last one said suppressed, settled) is suppressed too, not expired.
 * `gateways`: the gateway of each target the project defines (PlanInput.gateways, as the plan
 * was given): a row's attempts or slots placed under another name of its target (renamed, or
 * another name for its gateway: twins.ts) are its own, as the plan reads them
 * (twin-attempts.ts; slot-entries.ts rowSlots), a slot held under both names counted once.
 */
export const campaignLines = (
  name: string,
  calls: readonly CallDefinition[],
  lock: Lockfile,
  plan: Plan,
  numberOf: RowNumber = numberOfCall,
  listed?: (call: CallDefinition) => boolean,
  gateways?: ReadonlyMap<string, string>,
): ReportLine[] => {
  const suppressed = new Set((plan.suppressed ?? []).map((i) => i.name));
  const now = Date.parse(plan.now);
  const hours: HoursCache = new Map();
  const listedTo = new Map(
    [...plan.due, ...plan.upcoming, ...plan.missed, ...plan.skipped, ...(plan.suppressed ?? [])]
      .concat(plan.waiting ?? [])
      .map((i) => [i.name, i.to]),
  );
  const ahead = new Set(
    [...plan.due, ...plan.upcoming, ...(plan.waiting ?? []), ...(plan.suppressed ?? [])].map(
      (i) => i.name,
    ),
  );
  const twins = targetTwins(lock, gateways);
  const isHeld = heldRows(lock, plan, numberOf, twins);
  const lines: ReportLine[] = [];
  // Made once, at the first row placed at slots: one pass over the state for every row.
  let slotted: Map<string, SlotEntry[]> | undefined;
  const slotsOf = (rowKey: string, target: string): LockEntry[] => {
    if (slotted === undefined) slotted = slotEntriesByRow(lock.calls);
    return rowSlots(slotted, lock.calls, rowKey, target, twins);
  };
  for (const call of calls) {
    if (call.campaign?.name !== name) continue;
    const target = call.target ?? plan.target;
    const rowKey = placementKey(target, call.name);
    const bySlot = !isRowPlacedOnce(call);
    const attempts = bySlot
      ? slotsOf(rowKey, target)
      : rowAttempts(lock.calls, rowKey, target, twins).map((a) => a.entry);
    const latest = attempts.at(-1);
    const progress = rowProgress(
      (bySlot ? attempts.slice(-1) : attempts).map((entry) => ({ entry })),
      (bySlot ? undefined : call.redial) ?? NO_REDIAL,
    );
    const placed = attempts.findLast((entry) => entry.status === 'placed');
    // An earlier attempt answered (or declined) after a later one was placed: the row stands
    // at that call, and every column of its line speaks of it.
    const reached =
      progress.kind === 'done' && progress.by !== undefined ? attempts[progress.by - 1] : undefined;
    // A refused request (failed entry) reached nobody: a row placed once stands at the call
    // before it, and every column of its line speaks of that call (a row placed at slots
    // stands at its latest slot, refused or not).
    const shown = reached ?? (!bySlot && latest?.status === 'failed' ? (placed ?? latest) : latest);
    const status = (reached ?? (latest?.status === 'failed' ? placed : latest))?.outcome?.status;
    const toChanged = dialledOther(shown, call, numberOf);
    const endAt = rowEndAt(call);
    const context: RowContext = {
      // Asked of a row never reached only: a number is looked up when it may be suppressed.
      suppressed:
        suppressed.has(call.name) ||
        ((progress.kind === 'first' || progress.kind === 'retry') && listed?.(call) === true),
      // Asked only of a row still to be placed: a number is hashed only when it may be held.
      held:
        (progress.kind === 'first' || progress.kind === 'retry' || progress.kind === 'redial') &&
        isHeld(call, target, rowKey),
      ended: bySlot
        ? call.enabled && !ahead.has(call.name)
        : rowCutOffAt(call, now, hours) !== undefined,
      ...(bySlot ? { slotted: true } : {}),
      ...(endAt === undefined ? {} : { endAt }),
      // A row that redials and dials another number now than that attempt did (a cell
      // edited, or a `${VAR}` in `to` changed), or edited with whom it dialled not known: not
      // redialled, as plan says; edited otherwise, it is redialled as it is now. The digest
      // compared is `toChanged`'s when the line shows that attempt.
      edited:
        !bySlot &&
        placed !== undefined &&
        (call.redial === undefined
          ? placed.definition !== call.definition ||
            (placed === shown ? toChanged : dialledOther(placed, call, numberOf))
          : redialStops(placed, call, numberOf)),
      ...(status !== undefined && FINAL.has(status)
        ? { lastOutcome: status as NonNullable<RowContext['lastOutcome']> }
        : {}),
    };
    lines.push({
      id: call.campaign.id,
      // Never beside the sid of a call that went to another number.
      to: toChanged ? '' : (listedTo.get(call.name) ?? toOf(call)),
      ...(toChanged ? { toChanged: true } : {}),
      state: rowState(progress, context),
      attempts: attempts.length,
      ...(shown?.sid === undefined ? {} : { sid: shown.sid }),
      ...(shown?.outcome?.sip_status === undefined ? {} : { sipStatus: shown.outcome.sip_status }),
      ...(shown?.outcome?.duration === undefined ? {} : { duration: shown.outcome.duration }),
      ...(shown === undefined ? {} : { lastAttemptAt: shown.at }),
    });
  }
  return lines;
};

/** `status --campaign`: how many rows stand where, and how many calls were placed. */
export interface CampaignCounts {
  readonly campaign: string;
  readonly rows: number;
  /** Attempts made (entries in the state; a slotted row's: its slots), every row together. */
  readonly attempts: number;
  readonly states: Record<RowState, number>;
}

export const campaignCounts = (name: string, lines: readonly ReportLine[]): CampaignCounts => ({
  campaign: name,
  rows: lines.length,
  attempts: lines.reduce((sum, l) => sum + l.attempts, 0),
  states: countStates(lines.map((l) => l.state)),
});
