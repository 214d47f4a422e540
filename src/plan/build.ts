import {
  campaignEndedWords,
  campaignEndsWords,
  campaignEndWords,
  rowCutOffAt,
  rowEndAt,
  rowEndedAt,
} from '../campaign/end.js';
import {
  type AttemptState,
  attemptKey,
  attemptsIn,
  type DoneResult,
  REDIAL_EDITED_HINT,
  type RedialPolicy,
  rowProgress,
} from '../campaign/redial.js';
import { type Hours, type HoursCache, hoursAt } from '../schedule/hours.js';
import {
  compileSchedule,
  countSlots,
  DEFAULT_HORIZON_MS,
  inWindow,
  localTime,
  MAX_SLOTS,
  nextSlots,
  type SlotCount,
  scanSlots,
  searchEnd,
} from '../schedule/index.js';
import { destinationNumber, isOtherNumber, numberDigest } from '../screen/number.js';
import { keysBetween, summaryOf } from '../state/lock-index.js';
import { isInFlight } from '../state/store.js';
import type { LockEntry, Lockfile, ScheduleMemory } from '../state/types.js';
import type { CallDefinition, ScheduleSpec } from '../validate/model.js';
import { clockJumpWords } from './clock-jump.js';
import { amendItem, callItem, callOf, RowItem, type RowItemFields } from './item.js';
import { formatSlot, placementKey } from './keys.js';
import { type LimitHolds, limitHolds } from './limit-held.js';
import { keptBefore, memoryKey } from './memory.js';
import { noSlotLeft } from './no-slot.js';
import {
  RENAMED_PREFIX,
  type RenamedEntry,
  type RenamedSlot,
  type RenamedSlots,
  renamedSlots,
} from './renamed.js';
import { type RenamedMemory, renamedMemory } from './renamed-memory.js';
import { PlanList } from './rows.js';
import { type PlanScreen, screenDue, screenUpcoming } from './screen.js';
import { decide } from './settle.js';
import { dialledCache, holdDialledRow, holdRedirectedRetries, holdShiftedRows } from './shifted.js';
import {
  type OwnEntries,
  ownEntries,
  type SlotShare,
  type SlotShares,
  slotShares,
} from './slot-share.js';
import type { MissedCount, MissedReport, Plan, PlanItem } from './types.js';

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
  /** True when the user chose the target (`--target`): calls pinned elsewhere are skipped. */
  readonly explicitTarget: boolean;
  /** Only these call names are planned; the others are not listed at all. */
  readonly only?: readonly string[];
  readonly retryUnknown?: boolean;
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

/** Slots whose deadline passed less than this long ago are listed as missed by plan… */
export const MISSED_LOOKBACK_MS = 24 * 3_600_000;
/** …the most recent ones, at most this many per call (and as many superseded ones). */
export const MISSED_PER_CALL = 10;

type Bucket = 'due' | 'upcoming' | 'missed' | 'skipped';

const emptiness = new WeakMap<object, boolean>();

/** Whether the lockfile has no entry at all (its index says so, else one key is looked for). */
const isEmpty = (calls: Lockfile['calls']): boolean => {
  let empty = emptiness.get(calls);
  if (empty === undefined) {
    const summary = summaryOf(calls);
    empty = summary === undefined ? Object.keys(calls).length === 0 : summary.count === 0;
    emptiness.set(calls, empty);
  }
  return empty;
};

/**
 * The lockfile's entry of `key`. A campaign's rows look up keys the lockfile does not hold, and
 * V8 keeps what each such lookup makes beyond the young generation: with no entries at all
 * nothing is looked up.
 */
const entryAt = (calls: Lockfile['calls'], key: string): LockEntry | undefined =>
  isEmpty(calls) ? undefined : calls[key];
type Sink = (bucket: Bucket, item: PlanItem) => void;

/** Scans one search for the latest slots may take: bounds a plan of dense schedules. */
const SCAN_BUDGET = 16;

/**
 * The latest (at most `n`) slots in (after, until] that `accept` admits, ascending. It looks
 * back in growing steps (1 min, 1 h, 24 h, the rest), and a scan cut at its cap is split in
 * halves, the later one first, so a dense schedule does not hide its most recent slots
 * (within SCAN_BUDGET scans; past it the list may be short, never wrong).
 */
const latestSlots = (
  spec: ScheduleSpec,
  after: number,
  until: number,
  accept: (slot: Date) => boolean,
  n: number,
): Date[] => {
  let budget = SCAN_BUDGET;
  const collect = (lo: number, hi: number, want: number): Date[] => {
    if (want <= 0 || hi <= lo || budget <= 0) return [];
    budget -= 1;
    const scan = scanSlots(spec, new Date(lo), new Date(hi), { accept });
    if (!scan.truncated || hi - lo <= 1000 || budget <= 0) return scan.slots.slice(-want);
    const mid = lo + Math.floor((hi - lo) / 2);
    const upper = collect(mid, hi, want);
    return upper.length >= want ? upper : [...collect(lo, mid, want - upper.length), ...upper];
  };
  let found: Date[] = [];
  let hi = until;
  for (const back of [60_000, 3_600_000, MISSED_LOOKBACK_MS, Number.POSITIVE_INFINITY]) {
    const lo = Math.max(after, until - back);
    found = [...collect(lo, hi, n - found.length), ...found];
    hi = lo;
    if (found.length >= n || lo <= after) break;
  }
  return found;
};

/** A search whose accept admits every slot. */
const ANY = 'any';
/** A search for the slots still placeable at `now` (inside the window, not closed). */
const OPEN = 'open';
/** A search for the slots whose window closed before `now`. */
const CLOSED = 'closed';
/** The searches whose accept reads none of the call's entries. */
const OWN_FREE: ReadonlySet<string> = new Set([ANY, OPEN, CLOSED]);

/**
 * latestSlots and countSlots of one call's schedule, through the share of its schedule and
 * memory (see slot-share.ts). `tag` names what `accept` admits: the share's schedule, `now`
 * and memory decide it, and, unless OWN_FREE, the call's own entries at the slot asked.
 */
interface SlotSearch {
  latest(
    tag: string,
    after: number,
    until: number,
    accept: (slot: Date) => boolean,
    n: number,
  ): readonly Date[];
  count(tag: string, after: number, until: number, accept: (slot: Date) => boolean): SlotCount;
}

const slotSearch = (spec: ScheduleSpec, share: SlotShare, own: OwnEntries): SlotSearch => {
  // The entries the search reads, in its key: undefined when it cannot be shared.
  const readable = (tag: string, after: number, until: number): string | undefined =>
    OWN_FREE.has(tag) ? '' : own.within(after, until);
  return {
    latest: (tag, after, until, accept, n) => {
      const entries = readable(tag, after, until);
      const compute = () => latestSlots(spec, after, until, accept, n);
      return entries === undefined
        ? compute()
        : share.memo(`latest ${tag} ${after} ${until} ${n} ${entries}`, compute);
    },
    count: (tag, after, until, accept) => {
      const entries = readable(tag, after, until);
      const compute = () => countSlots(spec, after, until, accept);
      return entries === undefined
        ? compute()
        : share.memo(`count ${tag} ${after} ${until} ${entries}`, compute);
    },
  };
};

/** `slots` (the latest of their kind) as missed items; the first says when `more` exist. */
const addMissed = (
  slots: readonly Date[],
  item: (slot?: Date, reason?: string) => PlanItem,
  reason: (slot: Date) => string,
  add: (item: PlanItem) => void,
  earlier: string,
  more: boolean,
): void => {
  slots.forEach((slot, index) => {
    add(item(slot, `${reason(slot)}${index === 0 && more ? ` (${earlier})` : ''}`));
  });
};

/** Where the missed slots of the scheduled calls are counted, beyond those listed. */
interface MissedSink {
  /** Slots the plan's view counts as missed without listing them. */
  unlisted(count: number, atLeast: boolean): void;
  report(report: MissedReport): void;
  /**
   * A campaign row that can no longer be reached before its `end` (at `end`), listed as
   * expired; `passed` when that end has passed: apply and run report it then, once.
   */
  expired(memory: string, end: number, passed: boolean, item: PlanItem): void;
  /**
   * Such a row, held (skipped) instead when its campaign is keyed by position and dialled
   * its number under another row's key: its person was called, it is not "never placed".
   * Asked too of a row not due yet (waiting, a next slot): it would be held once due.
   */
  held(item: PlanItem): PlanItem | undefined;
  /**
   * Whether the per-number limit held the number of `digest` back at every instant of
   * [from, to) on the real clock (limit-held.ts): false without a limit.
   */
  limitHeld(digest: string, from: number, to: number): boolean;
}

/** One kind of missed slot of a call: deadline passed, or superseded by a later slot. */
interface MissedKind {
  /**
   * Names `accept` among the searches of one share: what it admits besides the call's own
   * entries (which it reads at the slot alone) is the share's schedule, `now` and memory.
   */
  readonly tag: string;
  /** No slot up to this instant is of this kind. */
  readonly floor: number;
  /** The plan lists those after this instant (and counts those after the lower of it and `reportedThrough`). */
  readonly listFrom: number;
  readonly until: number;
  readonly accept: (slot: Date) => boolean;
  readonly reason: (slot: Date) => string;
  readonly earlier: string;
  /** When a slot of this kind could no longer be placed: the end of its life. */
  readonly end: (slot: Date) => number;
  /** What ended it, said of a slot the per-number limit held back all its life. */
  readonly over: (slot: Date) => string;
}

/**
 * The per-number limit as one call's missed slots ask it (limit-held.ts): whether it held
 * the call's number back from `from` until `to`, and its words (`1/1h`). `tag` names the
 * number in the searches' keys: a campaign's rows share their searches, not their numbers.
 */
interface Limited {
  readonly tag: string;
  readonly text: string;
  held(from: number, to: number): boolean;
}

/**
 * The missed slots of one call: the plan lists the latest of each kind (of the last 24
 * hours, reported or not) and counts those it does not list, and reports apply's: every
 * missed slot after `reportedThrough`, counted (up to COUNT_SCANS scans, from the earliest
 * on), the latest listed, and through which slot it looked. A call whose number is on a
 * do-not-call list (`suppressed`, asked only once a slot would be missed) misses none: its
 * slots are suppressed when due, never placed, so none is listed, counted or reported,
 * and the report only looks through them (a number taken off the list later does not
 * report them missed then). Nor is a slot the per-number limit held back all its life
 * missed (`limited`, asked only once a slot would be missed): it waited, as apply and run
 * said when it fell due, and no apply or run could have placed it; the plan lists the latest
 * of them (of the last 24 hours) as skipped, with the limit's words, and the report only
 * looks through them.
 */
const planMissed = (
  search: SlotSearch,
  kinds: readonly MissedKind[],
  item: (slot?: Date, reason?: string) => PlanItem,
  add: Sink,
  memory: string,
  reportedMs: number,
  sink: MissedSink,
  suppressed: () => boolean,
  limited: () => Limited | undefined,
): void => {
  let count = 0;
  let atLeast = false;
  let through: number | undefined;
  const items: PlanItem[] = [];
  // Slots the per-number limit held back all their life, listed as skipped unless suppressed.
  const waited: PlanItem[] = [];
  // Whether the call's slots are suppressed, not missed: asked at its first missed slot.
  let quiet = false;
  for (const kind of kinds) {
    const { until, reason, earlier } = kind;
    let { tag, accept } = kind;
    const reportFrom = Math.max(kind.floor, reportedMs);
    let shown: readonly Date[] = quiet
      ? []
      : search.latest(tag, kind.listFrom, until, accept, MISSED_PER_CALL);
    const countFrom = Math.max(kind.floor, Math.min(kind.listFrom, reportedMs));
    let seen: SlotCount | undefined = quiet
      ? undefined
      : search.count(tag, countFrom, until, accept);
    const limit = shown.length > 0 || (seen?.count ?? 0) > 0 ? limited() : undefined;
    if (limit !== undefined) {
      const plain = accept;
      const held = (slot: Date) => limit.held(slot.getTime(), kind.end(slot));
      const heldTag = `${kind.tag} held ${limit.tag}`;
      const found = search.latest(
        heldTag,
        kind.listFrom,
        until,
        (slot) => plain(slot) && held(slot),
        MISSED_PER_CALL + 1,
      );
      const words = (slot: Date) =>
        `held back by the per-number limit ${limit.text} while it was due (waiting), not missed: ${kind.over(slot)}`;
      addMissed(
        found.slice(-MISSED_PER_CALL),
        item,
        words,
        (i) => waited.push(i),
        'earlier held slots not listed',
        found.length > MISSED_PER_CALL,
      );
      tag = `${kind.tag} unheld ${limit.tag}`;
      accept = (slot) => plain(slot) && !held(slot);
      shown = search.latest(tag, kind.listFrom, until, accept, MISSED_PER_CALL);
      seen = search.count(tag, countFrom, until, accept);
    }
    quiet ||= (shown.length > 0 || (seen?.count ?? 0) > 0) && suppressed();
    if (quiet || seen === undefined) {
      // Looked through: none of them is missed (nothing was listed or counted before).
      const last = search.latest(ANY, reportFrom, until, () => true, 1)[0]?.getTime();
      if (last !== undefined) through = Math.max(through ?? last, last);
      continue;
    }
    // A count cut short may not reach the slots listed: they are at least as many.
    const total = Math.max(seen.count, shown.length);
    addMissed(shown, item, reason, (i) => add('missed', i), earlier, total > shown.length);
    sink.unlisted(total - shown.length, seen.partial);
    // What apply reports: after the earlier kind's count stopped, nothing of a later kind.
    if (atLeast) continue;
    const counted = reportFrom === countFrom ? seen : search.count(tag, reportFrom, until, accept);
    const listed = search.latest(tag, reportFrom, counted.through, accept, MISSED_PER_CALL);
    addMissed(listed, item, reason, (i) => items.push(i), earlier, counted.count > listed.length);
    count += counted.count;
    atLeast = counted.partial;
    const last = search.latest(ANY, reportFrom, counted.through, () => true, 1)[0]?.getTime();
    if (last !== undefined) through = Math.max(through ?? last, last);
  }
  if (!quiet && waited.length > 0 && !suppressed()) for (const i of waited) add('skipped', i);
  if (through === undefined && count === 0) return;
  sink.report({
    memory,
    count,
    ...(atLeast && { atLeast: true }),
    items,
    ...(through === undefined ? {} : { through: formatSlot(new Date(through)) }),
  });
};

/**
 * The latest slot in (after, until] of `name` on `target` that the lockfile holds placed or
 * unknown (it may have rung, or be ringing now), whatever schedule made it: once a cron or
 * time zone is edited, the slots of a call are others than those its entries name.
 */
const latestTaken = (
  calls: Lockfile['calls'],
  target: string,
  name: string,
  after: number,
  until: number,
): { readonly slot: number; readonly status: 'placed' | 'unknown' } | undefined => {
  if (isEmpty(calls) || !(until > after)) return undefined;
  const prefix = `${target}/${name}@`;
  // Slots as keys write them (UTC, whole seconds, one width) sort as they fall.
  const keys = keysBetween(
    calls,
    `${prefix}${formatSlot(new Date(Math.max(after, 0)))}`,
    `${prefix}${formatSlot(new Date(until))}`,
  );
  for (let i = keys.length - 1; i >= 0; i--) {
    const key = keys[i] as string;
    const slot = Date.parse(key.slice(prefix.length));
    if (!(slot > after && slot <= until)) continue;
    const status = calls[key]?.status;
    if (status === 'placed' || status === 'unknown') return { slot, status };
  }
  return undefined;
};

/** Whether the lockfile holds any entry keyed `PREFIX<slot>`: of any slot of one call. */
const heldUnder = (calls: Lockfile['calls'], prefix: string, empty: boolean): boolean =>
  !empty && keysBetween(calls, prefix, `${prefix}\uffff`).length > 0;

const planScheduled = (
  call: CallDefinition,
  item: (slot?: Date, reason?: string) => PlanItem,
  input: PlanInput,
  addTo: Sink,
  sinceMs: number,
  prunedMs: number,
  memory: string,
  reportedMs: number,
  missedSink: MissedSink,
  shares: SlotShares,
  renamed: RenamedSlots,
): void => {
  const spec = call.schedule;
  if (!spec) return;
  // Whether the plan lists anything of the call: a call it lists nothing of is asked
  // whether it has a slot left at all (noSlotLeft).
  let listsAny = false;
  const add: Sink = (bucket, built) => {
    listsAny = true;
    addTo(bucket, built);
  };
  const now = input.now.getTime();
  // Rows of a campaign share their schedule and memory: what only those decide is found once.
  const share = shares.of(spec, `${sinceMs} ${prunedMs} ${reportedMs}`);
  // Slots whose entries `state.keep` let go are never due again, nor missed: a raised
  // deadline, or a call defined again, cannot reach back past them.
  const dueFrom = Math.max(now - spec.deadlineMs, prunedMs);
  // Nor are slots already reported missed ("never placed late") due: a deadline raised
  // since cannot place them late.
  const placeFrom = Math.max(dueFrom, reportedMs);
  const window = (slot: Date) => inWindow(spec, slot);
  // A slot is placed only while the window it fell due in is open: once that closes (before
  // its deadline), it is missed as well. Only slots within their deadline are asked.
  // (slotEndsAt: the rule apply's send bound and status's settle hint read too.)
  const endOf = (slot: Date) => share.endOf(slot.getTime());
  const closed = (slot: Date) => {
    const end = endOf(slot);
    return end.windowClosed && end.at <= now;
  };
  // Why a slot is over: whichever of its deadline and its window's close came first.
  const overWords = (slot: Date) =>
    share.memo(`over ${slot.getTime()}`, () => {
      const end = endOf(slot);
      if (!end.windowClosed)
        return `deadline passed at ${formatSlot(new Date(end.at))}; never placed late`;
      return (
        clockJumpWords(spec, slot.getTime(), 'missed') ??
        `window ${spec.window ?? ''} closed at ${closedWords(end.at, spec.timezone)}; never placed late`
      );
    });
  const open = (slot: Date) => window(slot) && !closed(slot);
  // A slot to come whose window is closed when it falls due (the clocks jump over it) says so.
  const aheadWords = (slot: Date) => {
    if (spec.window === undefined) return undefined;
    const end = endOf(slot);
    if (!end.windowClosed || end.at > slot.getTime()) return undefined;
    return share.memo(`ahead ${slot.getTime()}`, () =>
      clockJumpWords(spec, slot.getTime(), 'ahead'),
    );
  };
  // A slot is reported missed only when it could still have been placed once callops knew
  // the call: never for slots that were over before it first saw it.
  const reportableFrom = Math.max(sinceMs - spec.deadlineMs, prunedMs);
  const reportable = (slot: Date) => slot.getTime() > reportableFrom;
  // The key alone (an item's key is the same): counting missed slots asks for many.
  const target = call.target ?? input.runTarget;
  const empty = isEmpty(input.lock.calls);
  const entryOf = (slot: Date) =>
    empty ? undefined : input.lock.calls[placementKey(target, call.name, slot)];
  // A call renamed keeps its slots under its old name: the new name's key at a slot the old
  // one placed to the same number is that person called already. So does a campaign renamed
  // keep its rows' slots (found by the numbers they dialled, as shifted.ts finds them), and a
  // call made a campaign (or a campaign made a call) the slots of what it was: a call asks
  // both kinds, a row too (renamed.row).
  const orphans = !empty && call.campaign === undefined && renamed.any(target);
  const numberOf = () => {
    const number = numberOfItem(input)(item());
    return number === undefined ? undefined : numberDigest(number);
  };
  const renamedRow =
    empty || call.campaign === undefined ? undefined : renamed.row(target, call.campaign, numberOf);
  let digest: string | null | undefined;
  const digestOf = (): string | null => {
    if (digest === undefined) digest = numberOf() ?? null;
    return digest;
  };
  const renamedAt = (slot: Date): RenamedEntry | undefined => {
    if (renamedRow !== undefined) return renamedRow.at(shares.text(slot));
    if (!orphans) return undefined;
    const of = digestOf();
    return of === null ? undefined : renamed.at(target, shares.text(slot), of);
  };
  // The latest slot in (after, until] that a call or campaign no longer defined placed (or
  // may have) to this number, whatever slot the schedule has now (edited with the rename).
  const renamedLatest = (after: number, until: number): RenamedSlot | undefined => {
    if (!(until > after) || (renamedRow === undefined && !orphans)) return undefined;
    const lo = formatSlot(new Date(Math.max(after, 0)));
    const hi = formatSlot(new Date(until));
    let found: RenamedSlot | undefined;
    if (renamedRow !== undefined) found = renamedRow.latest(lo, hi);
    else {
      const of = digestOf();
      found = of === null ? undefined : renamed.latest(target, of, lo, hi);
    }
    return found !== undefined && Date.parse(found.slot) > after ? found : undefined;
  };
  const own = ownEntries(input.lock.calls, `${target}/${call.name}@`, empty);
  // Searches that read other calls' entries too are the call's own: not shared. A row's
  // read its own and those its renamed campaign placed to it: shared under both.
  const search = slotSearch(
    spec,
    share,
    orphans
      ? { within: () => undefined }
      : renamedRow === undefined
        ? own
        : {
            within: (after, until) => {
              const mine = own.within(after, until);
              if (mine === undefined) return undefined;
              const lo = formatSlot(new Date(after));
              return `${mine}|${renamedRow.within(lo, formatSlot(new Date(until)))}`;
            },
          },
  );
  const settle = (slot: Date) => {
    const built = item(slot);
    const { bucket, reason } = decide(
      built.key,
      input.lock.calls[built.key],
      input.retryUnknown ?? false,
    );
    const before = bucket === 'due' ? renamedAt(slot) : undefined;
    if (before !== undefined) {
      add(
        'skipped',
        amendItem(built, { reason: renamedWords(before, call.campaign !== undefined) }),
      );
      return;
    }
    add(bucket, reason === undefined ? built : amendItem(built, { reason }));
  };
  // A slot whose window closed is never placed again, --retry-unknown or not: an unknown
  // one is settled by hand alone.
  const settleClosed = (slot: Date) => {
    const built = item(slot);
    const entry = input.lock.calls[built.key];
    const { bucket, reason } = decide(built.key, entry, false);
    const over =
      entry?.status === 'unknown' && !isInFlight(entry)
        ? `unknown — settle with \`callops resolve ${built.key} --placed SID\` or \`--not-placed\` (not placed again: ${overWords(slot)})`
        : reason;
    add(bucket, over === undefined ? built : amendItem(built, { reason: over }));
  };
  // Never back in time: a slot not later than the latest one of this call the lockfile holds
  // placed or unknown is superseded by it, with either catch-up. Its entry may be of a slot
  // the schedule no longer has (a cron or time zone edited since): an edit takes effect at
  // the next slot, never with one earlier than a call already made.
  const taken = latestTaken(input.lock.calls, target, call.name, placeFrom, now);
  // So is one not later than a slot that the call under its old name (or what it was, a call
  // made a campaign or a campaign made a call) placed to the same number: a rename does not
  // make an edit of `cron` or `timezone` reach back. That slot itself, when the schedule has
  // it, is held (renamedAt); the earlier ones are superseded by it.
  const movedFrom = renamedLatest(placeFrom, now);
  const movedSlot = movedFrom === undefined ? undefined : Date.parse(movedFrom.slot);
  const moved =
    movedSlot !== undefined && movedSlot > (taken?.slot ?? Number.NEGATIVE_INFINITY)
      ? movedSlot
      : undefined;
  const freshFrom = Math.max(
    placeFrom,
    taken?.slot ?? Number.NEGATIVE_INFINITY,
    moved === undefined ? Number.NEGATIVE_INFINITY : moved - 1,
  );
  // Catch-up (Kubernetes CronJob's rule): of the slots still within their deadline only the
  // most recent is placed; the older ones are superseded. `catchup: all` places every one,
  // up to the latest MAX_SLOTS: a dense schedule down for long places its current slot, not
  // its oldest ones hours late; the older ones are superseded (counted, at least N).
  const all = spec.catchup === 'all';
  const due = search.latest(OPEN, freshFrom, now, open, all ? MAX_SLOTS : 1);
  const latest = all ? undefined : due[0];
  const capped = all && due.length >= MAX_SLOTS;
  const isDue = new Set(due.map((slot) => slot.getTime()));
  // Placed and unknown entries are shown as such, superseded or not: they are not missed.
  const settled = (slot: Date) => {
    const status = entryOf(slot)?.status;
    return status === 'placed' || status === 'unknown';
  };
  // A time outside the window is no slot: not due, not missed, not listed (the scan jumps
  // over the hours the window is closed, as the search for the next slots does). Only a slot
  // with an entry is settled here: without one among them, none is looked at.
  const scanned =
    own.within(placeFrom, now) === ''
      ? []
      : share.memo(
          `scan ${placeFrom}`,
          () => scanSlots(spec, new Date(placeFrom), input.now, { inWindow: true }).slots,
        );
  for (const slot of scanned) {
    if (closed(slot)) {
      if (settled(slot)) settleClosed(slot);
      continue;
    }
    if (!isDue.has(slot.getTime()) && settled(slot)) settle(slot);
  }
  for (const slot of due) settle(slot);
  // Deadline passed first (the earlier slots), then superseded ones.
  const kinds: MissedKind[] = [
    {
      tag: 'deadline',
      floor: reportableFrom,
      listFrom: Math.max(dueFrom - MISSED_LOOKBACK_MS, reportableFrom),
      until: dueFrom,
      accept: (slot) =>
        window(slot) && reportable(slot) && entryOf(slot) === undefined && !renamedAt(slot),
      reason: overWords,
      earlier: 'earlier missed slots not listed',
      end: (slot) => endOf(slot).at,
      over: overWords,
    },
  ];
  // Then the slots whose window closed before now: the earliest within their deadline (a
  // later slot's window never closes before an earlier one's).
  const lastClosed = search.latest(
    CLOSED,
    dueFrom,
    now,
    (slot) => window(slot) && closed(slot),
    1,
  )[0];
  if (lastClosed !== undefined) {
    kinds.push({
      tag: 'closed-unplaced',
      floor: Math.max(dueFrom, reportableFrom),
      listFrom: Math.max(dueFrom, reportableFrom),
      until: lastClosed.getTime(),
      accept: (slot) =>
        window(slot) &&
        closed(slot) &&
        reportable(slot) &&
        entryOf(slot) === undefined &&
        !renamedAt(slot),
      reason: overWords,
      earlier: 'earlier missed slots not listed',
      end: (slot) => endOf(slot).at,
      over: overWords,
    });
  }
  // Then the slots older than the one placed now (the earliest of them with `catchup: all`
  // past its bound), or than one placed before.
  const placedBefore = taken === undefined ? undefined : new Date(taken.slot);
  // Superseded by the slot the old name placed: none later is due, or that one is (held).
  const byMoved =
    !capped && moved !== undefined && (latest === undefined || latest.getTime() <= moved);
  const by = capped ? due[0] : byMoved ? new Date(moved as number) : (latest ?? placedBefore);
  if (by !== undefined) {
    const floor = Math.max(dueFrom, reportableFrom, lastClosed?.getTime() ?? dueFrom);
    const words = capped
      ? `superseded by ${formatSlot(by)}: catchup: all places at most the latest ${MAX_SLOTS} slots still within their deadline`
      : byMoved && movedFrom !== undefined
        ? movedWords(movedFrom, call.campaign !== undefined)
        : latest !== undefined
          ? `superseded by ${formatSlot(by)}: catch-up places only the most recent slot (schedule.catchup: all places every one)`
          : `superseded by ${formatSlot(by)}, ${taken?.status === 'unknown' ? 'whose outcome is unknown' : 'already placed'}: an earlier slot is never placed after a later one`;
    kinds.push({
      tag: 'superseded',
      floor,
      listFrom: floor,
      until: by.getTime() - 1,
      accept: (slot) => window(slot) && reportable(slot) && !settled(slot) && !renamedAt(slot),
      reason: () => words,
      earlier: 'earlier superseded slots not listed',
      end: (slot) => Math.min(endOf(slot).at, by.getTime()),
      over: () =>
        `superseded by ${formatSlot(by)} before an earlier call to this number left the window`,
    });
  }
  // A number on a do-not-call list is never called: its slots are suppressed (as the plan
  // lists them, due or to come), not missed. Asked only of a call with a missed slot.
  const screen = input.screen;
  const suppressed = () => {
    const number = screen?.numberOf(item());
    return number !== undefined && screen?.listed(number) !== undefined;
  };
  // The per-number limit, judged on the real clock where the calls it counts rang, as apply
  // judges it (a rehearsal's slots are shifted there): asked only of a call with a missed slot.
  const limit = input.screen?.perNumber;
  const shift = (input.screen?.limitAt ?? input.now).getTime() - now;
  const limited = (): Limited | undefined => {
    const of = limit === undefined ? null : digestOf();
    if (limit === undefined || of === null) return undefined;
    return {
      tag: of,
      text: limit.text,
      held: (from, to) => missedSink.limitHeld(of, from + shift, to + shift),
    };
  };
  planMissed(search, kinds, item, add, memory, reportedMs, missedSink, suppressed, limited);
  // The window is skipped over, not stepped through: a dense cron whose window opens hours
  // ahead still finds its next slots.
  // A slot placed ahead of its time (a rehearsal with --now) is listed as placed, not as to
  // come, and one more is looked for in its place (`run` wakes at the next one to come); so
  // is one the rehearsal left unknown, which no run places again without --retry-unknown.
  const count = input.upcomingCount ?? 3;
  const placedAhead = (slot: Date) => {
    const status = entryOf(slot)?.status;
    return status === 'placed' || (status === 'unknown' && input.retryUnknown !== true);
  };
  const horizonMs = input.upcomingHorizonMs ?? DEFAULT_HORIZON_MS;
  const ask = (n: number): readonly Date[] =>
    share.memo(`next ${n}`, () => nextSlots(spec, input.now, n, { horizonMs, inWindow: true }));
  let asked = count;
  let upcoming = ask(asked);
  for (;;) {
    const placed = upcoming.filter(placedAhead).length;
    if (upcoming.length - placed >= count || upcoming.length < asked) break;
    asked = count + placed;
    upcoming = ask(asked);
  }
  // A row's slots dial one number: held at one, it is held at each (holdShiftedRows once due).
  const held =
    call.campaign !== undefined && upcoming[0] ? missedSink.held(item(upcoming[0])) : undefined;
  let listed = 0;
  for (const slot of upcoming) {
    if (placedAhead(slot)) settle(slot);
    else if (listed++ >= count) break;
    else if (held === undefined) add('upcoming', item(slot, aheadWords(slot)));
    else add('skipped', item(slot, held.reason));
  }
  if (listsAny || upcoming.length > 0 || prunedMs > Number.NEGATIVE_INFINITY) return;
  // Nothing listed and no slot to come: a call whose last slot passed unplaced (or that has
  // none) is listed as skipped, never left out of every output. One whose entries were let
  // go (`prunedMs`) or that the lockfile holds under its name was placed: it is done.
  const compiled = compileSchedule(spec);
  const searchedTo = searchEnd(spec, input.now, horizonMs).getTime();
  const left =
    compiled &&
    share.memo('no slot left', () =>
      noSlotLeft({ spec, compiled, now, sinceMs, over: overWords, searchedTo }),
    );
  if (left === undefined) return;
  // A slot to come beyond the search is listed whatever was placed before it; so is a cron
  // that can never place one (skipped: nothing of it is to come).
  if (left.beyond || left.never) {
    add(left.never ? 'skipped' : 'upcoming', item(undefined, left.reason));
    return;
  }
  if (heldUnder(input.lock.calls, `${target}/${call.name}@`, empty)) return;
  if (left.slot !== undefined && renamedAt(left.slot) !== undefined) return;
  add('skipped', item(left.slot, left.reason));
};

/**
 * Why a slot is superseded by a later one placed (or that may have been) to the same number
 * under a name no call has now: an earlier slot is never placed after a later one, whatever
 * name placed it (a rename with a `cron` or `timezone` edit makes the slots others).
 */
const movedWords = (before: RenamedSlot, row: boolean): string => {
  const whatever =
    before.row !== row
      ? "whether a call or a campaign's row placed it"
      : row
        ? "whatever its campaign's name"
        : "whatever its call's name";
  return `superseded by ${before.slot}, ${before.entry.status === 'placed' ? 'already placed' : 'whose outcome is unknown'}: its number was dialled as ${before.key} (${rangWords(before.entry)}), ${whoseWords(before)}: an earlier slot is never placed after a later one, ${whatever}`;
};

/** What became of an entry that may have rung: `placed <sid> at <time>`, in flight, unknown. */
const rangWords = (entry: LockEntry): string =>
  entry.status === 'placed'
    ? `placed ${entry.sid ?? '(no sid)'} at ${entry.at}`
    : isInFlight(entry)
      ? 'being placed by another runner right now'
      : `unknown, at ${entry.at}`;

/**
 * Whose the key of an entry no longer defined is: a call's or a campaign's no call has now
 * (renamed, most often), one still in the files but disabled, or one whose name the other
 * kind has now (a call made a campaign of the same name, or a campaign made a call).
 */
const whoseWords = ({ row, converted, disabled }: RenamedEntry): string =>
  disabled === true
    ? `a ${row ? 'campaign' : 'call'} now disabled (replaced by this one?)`
    : row
      ? converted
        ? "a campaign no longer defined, whose name is a call's now (made a call?)"
        : 'a campaign no call has now (renamed?)'
      : converted
        ? "a call no longer defined, whose name is a campaign's now (made a campaign?)"
        : 'a name no call has now (renamed?)';

/**
 * Why a slot is not placed under a call's new name: the slot was placed (or may have been)
 * to the same number under a name no call has now. A slot is placed once, so neither
 * `--replace` (refused for scheduled calls) nor a rename back places it again: the old key
 * is then the call's own, already placed. An unknown one settled as not placed lets it be.
 * `row`: the slot held is a campaign row's; the entry's key may be of either kind, whatever
 * the slot held is (a call made a campaign, or a campaign made a call).
 */
const renamedWords = (before: RenamedEntry, row: boolean): string => {
  const { key, entry } = before;
  const how = rangWords(entry);
  const settle =
    entry.status === 'unknown' && !isInFlight(entry)
      ? `; \`callops resolve ${key} --not-placed\` lets it be placed within its deadline`
      : '';
  const once =
    before.row !== row
      ? "a slot is placed once, whether a call or a campaign's row places it"
      : row
        ? "a row's slot is placed once, whatever its campaign's name"
        : "a slot is placed once, whatever its call's name";
  return `${RENAMED_PREFIX}${key} (${how}), ${whoseWords(before)}: ${once}; the next slot is placed as usual${settle}`;
};

/** The number a plan item dials, as the plan's screen reads it (references resolved). */
const numberOfItem = (input: PlanInput): ((item: PlanItem) => string | undefined) =>
  input.numberOf ??
  input.screen?.numberOf ??
  ((item) => {
    const call = input.callNumber === undefined ? undefined : callOf(item);
    return call === undefined ? destinationNumber(item.to) : input.callNumber?.(call);
  });

/** `2026-12-01T20:00:00Z (21:00 Europe/Berlin)`: when a window closed. */
const closedWords = (close: number, zone: string): string => {
  const at = new Date(close);
  return zone === 'UTC' ? formatSlot(at) : `${formatSlot(at)} (${localTime(at, zone)})`;
};

/** What a row waiting for its hours is told: one object for every row of its zone. */
interface Words {
  readonly waiting: true;
  readonly opens?: string;
  readonly reason: string;
}

const wordsCache = new WeakMap<HoursCache, Map<Hours, Words>>();

/** The `opens` and `reason` of a waiting row, the same strings for every row of its zone. */
const hoursWords = (
  hours: Extract<Hours, { state: 'waiting' }>,
  spec: CallDefinition['schedule'],
  cache: HoursCache,
): Words => {
  let byHours = wordsCache.get(cache);
  if (byHours === undefined) {
    byHours = new Map();
    wordsCache.set(cache, byHours);
  }
  const known = byHours.get(hours);
  if (known) return known;
  const opens = hours.opens === undefined ? undefined : formatSlot(new Date(hours.opens));
  const local =
    hours.opens !== undefined && spec && spec.timezone !== 'UTC'
      ? ` (${localTime(new Date(hours.opens), spec.timezone)})`
      : '';
  const words: Words = {
    waiting: true,
    ...(opens === undefined ? {} : { opens }),
    reason: `waiting: ${hours.why}${opens === undefined ? '' : `; opens ${opens}${local}`}`,
  };
  byHours.set(hours, words);
  return words;
};

/** What a row places next (its item, from when), or the bucket it settles in now. */
type RowNext =
  | { readonly item: PlanItem; readonly notBefore?: Date }
  | { readonly bucket: Bucket; readonly item: PlanItem };

/**
 * A campaign row whose schedule has neither cron nor at: due once, as soon as its calling
 * hours and [start, end) allow; before, waiting (upcoming, with the next opening); once
 * `end` passed without it being reached, expired (missed). Placed or unknown rows are settled
 * as an unscheduled call is; a row reached before `end` is never expired: after it, it is
 * neither redialled nor placed again (`--replace`), and says so.
 */
const planRow = (
  call: CallDefinition,
  spec: ScheduleSpec | undefined,
  built: PlanItem,
  input: PlanInput,
  add: Sink,
  cache: HoursCache,
  missed: MissedSink,
): void => {
  const now = input.now.getTime();
  const ended = spec === undefined ? undefined : rowEndedAt(call, now, cache);
  const cutOff = spec === undefined ? undefined : rowCutOffAt(call, now, cache);
  const next =
    call.redial === undefined
      ? onceRow(call, built, input, ended)
      : nextAttempt(call, call.redial, built, input, ended, cutOff);
  if ('bucket' in next) {
    add(
      next.bucket,
      next.item.changed === true ? heldHint(next.item, call.name, missed) : next.item,
    );
    return;
  }
  planAttempt(call, spec, next.item, next.notBefore, input, add, cache, cutOff, missed);
};

/**
 * A changed row's `--replace` hint, when its campaign already dialled whom the row names now
 * under another key (holdDialledRow): `--replace` would be refused, so the hint says why instead.
 */
const heldHint = (item: PlanItem, name: string, missed: MissedSink): PlanItem => {
  const hint = replaceHint(name);
  if (item.reason?.includes(hint) !== true) return item;
  const held = missed.held(item);
  return held?.reason === undefined
    ? item
    : amendItem(item, {
        reason: item.reason.replace(hint, `--replace would not place it: ${held.reason}`),
      });
};

/**
 * A campaign row without cron/at that is called once (no redial): placed again only when
 * `--replace` names it (its item then replaces the earlier placement, within the row's
 * hours; never once its `end`, at `ended`, passed); edited since it was placed, it is
 * changed since placed and not placed again.
 */
const onceRow = (
  call: CallDefinition,
  built: PlanItem,
  input: PlanInput,
  ended: number | undefined,
): RowNext => {
  const entry = entryAt(input.lock.calls, built.key);
  if (
    ended === undefined &&
    entry?.status === 'placed' &&
    entry.sid !== undefined &&
    input.replace?.includes(call.name)
  ) {
    return { item: replacementOf(built, entry, entry.sid) };
  }
  const edited = editedSincePlaced(call, entry === undefined ? [] : [{ entry }], built, ended);
  return edited === undefined ? { item: built } : { bucket: 'skipped', item: edited };
};

/** `built` placed again in place of `entry` (`apply --replace`). */
const replacementOf = (built: PlanItem, entry: LockEntry, sid: string): PlanItem =>
  amendItem(built, {
    reason: `replaces ${sid} placed at ${entry.at} (--replace)`,
    replaces: {
      sid,
      ...(entry.callId === undefined ? {} : { callId: entry.callId }),
      at: entry.at,
    },
  });

const OUTCOME_WORDS: Record<DoneResult, string> = {
  answered: 'answered',
  declined: 'declined (SIP 603): never redialled',
  exhausted: 'max_attempts reached',
  final: 'ended with an outcome redial.on does not name',
  beyond: 'no redial: its wait (after × backoff^(n−1)) ends past the last date there is',
};

/**
 * A row whose latest placed attempt was placed under another definition (its cells were
 * edited since): no attempt is placed from the edited row — a redial would reach whom the
 * row names now, not whom the earlier attempts called; a row called once is placed again
 * only with `--replace`, as an edited call is, and not at all once its campaign's `end`
 * passed (at `ended`). Its item, marked changed, keyed by that attempt; undefined when the
 * row is as it was placed (or never placed).
 */
const editedSincePlaced = (
  call: Pick<CallDefinition, 'name' | 'redial' | 'campaign' | 'schedule'>,
  attempts: readonly AttemptState[],
  built: PlanItem,
  ended?: number,
): PlanItem | undefined => {
  let n = attempts.length;
  while (n > 0 && attempts[n - 1]?.entry?.status !== 'placed') n--;
  const entry = attempts[n - 1]?.entry;
  if (entry === undefined || entry.definition === built.definition) return undefined;
  const sid = entry.sid ?? '(no sid)';
  const dialled = otherNumberWords(entry, built);
  if (call.redial === undefined) {
    return amendItem(built, {
      changed: true,
      reason: `changed since placed (already placed ${sid} at ${entry.at}${dialled}); ${ended === undefined ? replaceHint(call.name) : `not placed again: ${campaignEndedWords(call, ended)}`}`,
    });
  }
  const outcome = entry.outcome?.status;
  return amendItem(built, {
    key: attemptKey(built.key, n),
    changed: true,
    reason: `changed since placed (attempt ${n}${outcome === undefined ? '' : ` ${outcome}`} ${sid} at ${entry.at}${dialled}); not redialled: ${ended === undefined ? REDIAL_EDITED_HINT : campaignEndedWords(call, ended)}`,
  });
};

/**
 * `, to another number than it dials now` when the entry's number digest is not that of the
 * number the item shows (its line names the number as it is now, not the one called).
 */
const otherNumberWords = (entry: LockEntry, built: PlanItem): string =>
  isOtherNumber(entry.number, destinationNumber(built.to))
    ? ', to another number than it dials now'
    : '';

/** How a call or row changed since placed is placed again. */
export const replaceHint = (name: string): string =>
  `\`callops apply --replace ${name}\` places it again`;

/**
 * Which attempt of a row with a redial policy is next (see rowProgress): the item to plan
 * (its key `KEY#n` for attempt n ≥ 2) and from when, or the bucket it settles in now. Once
 * the campaign's `end` passed (at `ended`), a row reached before it is not redialled: it
 * stands at its latest placed attempt, never expired.
 */
const nextAttempt = (
  call: CallDefinition,
  policy: RedialPolicy,
  built: PlanItem,
  input: PlanInput,
  ended: number | undefined,
  cutOff: number | undefined,
): RowNext => {
  const now = input.now.getTime();
  const attempts = (isEmpty(input.lock.calls) ? [] : attemptsIn(input.lock.calls, built.key)).map(
    (entry): AttemptState => ({ entry }),
  );
  const edited = editedSincePlaced(call, attempts, built, ended);
  if (edited !== undefined) return { bucket: 'skipped', item: edited };
  const progress = rowProgress(attempts, policy);
  const latest = (n: number) => attempts[n - 1]?.entry;
  /**
   * Attempt `n` (placed, with its outcome) is the row's last: the campaign ended, its hours do
   * not open again before `end`, or the next attempt would come at or after `end`.
   */
  const noRedial = (n: number, why: string): RowNext => {
    const entry = latest(n);
    const status = entry?.outcome?.status ?? entry?.status ?? '?';
    return {
      bucket: 'skipped',
      item: amendItem(built, {
        key: attemptKey(built.key, n),
        reason: `done after attempt ${n} (${status}${entry?.sid ? ` ${entry.sid}` : ''}): no redial: ${why}`,
      }),
    };
  };
  const cutOffWords = (end: number): string =>
    ended !== undefined
      ? campaignEndedWords(call, end)
      : `no opening before the campaign's end (${campaignEndsWords(call, end)})`;
  const endAt = rowEndAt(call);
  switch (progress.kind) {
    case 'first':
      return { item: built };
    case 'retry':
      // Attempt n's request failed: attempt n - 1 (if any) reached the row.
      if (cutOff !== undefined && progress.n >= 2)
        return noRedial(progress.n - 1, cutOffWords(cutOff));
      return { item: amendItem(built, { key: attemptKey(built.key, progress.n) }) };
    case 'pending': {
      const key = attemptKey(built.key, progress.n);
      const entry = latest(progress.n);
      // Settled as any key is (decide): unknown, or being placed by another runner.
      if (progress.why === 'unknown' || progress.why === 'in-flight')
        return { item: amendItem(built, { key }) };
      // The last attempt max_attempts allows is never followed by a redial, whatever its outcome.
      const after =
        progress.n >= policy.maxAttempts
          ? `no redial after it (max_attempts ${policy.maxAttempts})`
          : 'no redial before it is';
      return {
        bucket: 'skipped',
        item: amendItem(built, {
          key,
          reason: `attempt ${progress.n} of ${policy.maxAttempts} placed ${entry?.sid ?? '(no sid)'} at ${entry?.at ?? '?'}; its outcome is not known yet (status --refresh, apply --wait): ${after}`,
        }),
      };
    }
    case 'done': {
      const key = attemptKey(built.key, progress.n);
      const entry = latest(progress.n);
      const status = entry?.outcome?.status ?? entry?.status ?? '?';
      return {
        bucket: 'skipped',
        item: amendItem(built, {
          key,
          reason: `done after attempt ${progress.n} (${status}${entry?.sid ? ` ${entry.sid}` : ''}): ${OUTCOME_WORDS[progress.result]}`,
        }),
      };
    }
    case 'redial': {
      if (cutOff !== undefined) return noRedial(progress.n - 1, cutOffWords(cutOff));
      if (endAt !== undefined && progress.notBefore.getTime() >= endAt) {
        return noRedial(
          progress.n - 1,
          `the next attempt would fall after the campaign's end (${campaignEndWords(call, endAt, now)})`,
        );
      }
      const before = latest(progress.n - 1);
      return {
        item: amendItem(built, {
          key: attemptKey(built.key, progress.n),
          reason: `redial ${progress.n} of ${policy.maxAttempts}: attempt ${progress.n - 1} ${before?.outcome?.status ?? ''} (${before?.sid ?? 'no sid'})`,
        }),
        notBefore: progress.notBefore,
      };
    }
  }
};

/**
 * One attempt of a row, its key settled: due, waiting (redial wait or hours), or expired (a
 * row not reached before `end`: planRow settles one that was reached).
 */
const planAttempt = (
  call: CallDefinition,
  spec: ScheduleSpec | undefined,
  built: PlanItem,
  notBefore: Date | undefined,
  input: PlanInput,
  add: Sink,
  cache: HoursCache,
  cutOff: number | undefined,
  missed: MissedSink,
): void => {
  const key = built.key;
  const now = input.now.getTime();
  const known = entryAt(input.lock.calls, key);
  // An unknown attempt may have rung: never expired, and not placed again (even with
  // --retry-unknown) once the row can no longer be called.
  if (
    cutOff !== undefined &&
    built.replaces === undefined &&
    known?.status === 'unknown' &&
    !isInFlight(known)
  ) {
    add(
      'skipped',
      amendItem(built, {
        reason: `unknown — not placed again: ${campaignEndWords(call, cutOff, now)}; settle with \`callops resolve ${key} --placed SID\` or \`--not-placed\``,
      }),
    );
    return;
  }
  // A replacement (`--replace`) is due again although placed: only its hours may hold it.
  const decided =
    built.replaces === undefined
      ? decide(key, entryAt(input.lock.calls, key), input.retryUnknown ?? false)
      : { bucket: 'due' as const };
  const bucket = decided.bucket;
  const reason = decided.reason ?? built.reason;
  if (bucket !== 'due') {
    // An unknown row outside its hours: --retry-unknown places it again once they open.
    const opens =
      known?.status === 'unknown' && !isInFlight(known) && spec !== undefined
        ? hoursAt(spec, now, cache)
        : undefined;
    const at =
      opens?.state === 'waiting' && opens.opens !== undefined
        ? { opens: formatSlot(new Date(opens.opens)) }
        : {};
    add(bucket, reason === undefined ? built : amendItem(built, { reason, ...at }));
    return;
  }
  const hours = spec ? hoursAt(spec, now, cache) : ({ state: 'open' } as const);
  const lastOpening =
    hours.state === 'waiting' && hours.opens === undefined ? hours.end : undefined;
  if (hours.state === 'expired' || lastOpening !== undefined) {
    const held = missed.held(built);
    if (held !== undefined) {
      add('skipped', held);
      return;
    }
    const end = hours.state === 'expired' ? hours.end : (lastOpening as number);
    const item = amendItem(built, {
      expired: true,
      reason:
        hours.state === 'expired'
          ? `expired: end ${spec?.end ?? ''} passed at ${formatSlot(new Date(end))} before the row was reached; never placed`
          : `expired: no opening before end ${spec?.end ?? ''} (${formatSlot(new Date(end))}); never placed`,
    });
    add('missed', item);
    const campaign = call.campaign?.name ?? call.name;
    missed.expired(memoryKey(item.target, campaign), end, hours.state === 'expired', item);
    return;
  }
  const later = notBefore !== undefined && notBefore.getTime() > input.now.getTime();
  // Held once due (holdShiftedRows): held now, as status and report count it, not waiting.
  const held = later || hours.state === 'waiting' ? missed.held(built) : undefined;
  if (held !== undefined) {
    add('skipped', held);
    return;
  }
  if (later) {
    const opens = notBefore.toISOString();
    add(
      'upcoming',
      amendItem(built, {
        waiting: true,
        opens,
        reason: `waiting: ${built.reason ?? 'redial'}; from ${opens}`,
      }),
    );
    return;
  }
  if (hours.state === 'waiting') {
    // Rows of one zone share the words (built once per plan, not once per row).
    add('upcoming', amendItem(built, hoursWords(hours, spec, cache), true));
    return;
  }
  add('due', reason === undefined ? built : amendItem(built, { reason }));
};

/**
 * The fields of a campaign row's item that it does not take from its row, one object for all
 * the rows they agree for (made once per plan).
 */
const rowFields = (
  cache: Map<string, RowItemFields>,
  target: string,
  campaign: string,
  slot: string | undefined,
  local: string | undefined,
  reason: string | undefined,
): RowItemFields => {
  const id =
    slot === undefined && reason === undefined
      ? `${target}\0${campaign}`
      : JSON.stringify([target, campaign, slot ?? null, local ?? null, reason ?? null]);
  const known = cache.get(id);
  if (known) return known;
  const made: RowItemFields = {
    target,
    campaign,
    ...(slot === undefined ? {} : { slot }),
    ...(local === undefined ? {} : { local }),
    ...(reason === undefined ? {} : { reason }),
  };
  cache.set(id, made);
  return made;
};

const planCall = (
  call: CallDefinition,
  input: PlanInput,
  add: Sink,
  seen: Map<string, ScheduleMemory>,
  hours: HoursCache,
  fields: Map<string, RowItemFields>,
  missed: MissedSink,
  shares: SlotShares,
  renamed: RenamedSlots,
  carry: RenamedMemory,
): void => {
  const target = call.target ?? input.runTarget;
  // Read once: a campaign row computes it from its cells.
  const spec = call.schedule;
  const zone = spec?.timezone;
  const campaign = call.campaign?.name;
  const item = (slot?: Date, reason?: string): PlanItem => {
    const local =
      slot === undefined || zone === undefined || zone === 'UTC'
        ? undefined
        : shares.local(slot, zone);
    if (campaign !== undefined) {
      const at = slot === undefined ? undefined : shares.text(slot);
      return new RowItem(call, rowFields(fields, target, campaign, at, local, reason));
    }
    return callItem(
      call,
      placementKey(target, call.name, slot),
      target,
      slot === undefined ? undefined : shares.text(slot),
      local,
      reason,
    );
  };
  const elsewhere =
    input.explicitTarget && call.target !== undefined && call.target !== input.runTarget;
  if (!call.enabled) {
    add('skipped', item(undefined, 'disabled'));
    if (!elsewhere) lookThroughDisabled(call, target, input, seen, missed);
    return;
  }
  if (elsewhere) {
    add('skipped', item(undefined, `pinned to target \`${call.target}\``));
    return;
  }
  // Rows placed once each: with calling hours or `end`, or with a redial policy.
  if (isRowPlacedOnce(call) && (spec !== undefined || call.redial !== undefined)) {
    planRow(call, spec, item(), input, noteDialledOnce(add, renamed, target, input), hours, missed);
    return;
  }
  if (spec) {
    if (!compileSchedule(spec)) {
      add('skipped', item(undefined, 'schedule not understood (see `callops validate`)'));
      return;
    }
    // A campaign's rows share its memory: one entry per campaign, not per row.
    const key = memoryKey(target, campaign ?? call.name);
    // A call or campaign renamed keeps what its old name reported (renamed-memory.ts).
    const known = input.lock.schedules?.[key] ??
      (campaign === undefined
        ? carry.call(target, () => {
            const number = numberOfItem(input)(item());
            return number === undefined ? undefined : numberDigest(number);
          })
        : carry.campaign(target, campaign)) ?? { since: firstSeenOf(input) };
    seen.set(key, known);
    const sinceMs = Date.parse(known.since);
    planScheduled(
      call,
      item,
      input,
      add,
      Number.isNaN(sinceMs) ? input.now.getTime() : sinceMs,
      instant(known.prunedThrough),
      key,
      Math.max(instant(known.reportedThrough), reportedThrough(input, key)),
      missed,
      shares,
      renamed,
    );
    return;
  }
  const built = item();
  const entry = entryAt(input.lock.calls, built.key);
  if (entry?.status === 'placed' && entry.sid !== undefined && input.replace?.includes(call.name)) {
    add('due', replacementOf(built, entry, entry.sid));
    return;
  }
  const { bucket, reason } = decide(built.key, entry, input.retryUnknown ?? false);
  if (entry?.status === 'placed' && entry.definition !== call.definition) {
    const changed = amendItem(built, {
      changed: true,
      reason: `changed since placed (${reason ?? 'already placed'}${otherNumberWords(entry, built)}); ${replaceHint(call.name)}`,
    });
    add('skipped', call.campaign === undefined ? changed : heldHint(changed, call.name, missed));
    return;
  }
  // A campaign's row too: a call made a campaign rings its person again under the row's key.
  const before =
    bucket === 'due' && entry === undefined
      ? dialledOnce(renamed, target, built, input)
      : undefined;
  if (before !== undefined) {
    add('due', amendItem(built, { reason: dialledOnceWords(before) }));
    return;
  }
  add(bucket, reason === undefined ? built : amendItem(built, { reason }));
};

/**
 * A scheduled call seen disabled: its slots up to `now` were deliberately not placed, so none
 * of them is ever placed, nor reported missed, once it is enabled again. Its memory is
 * remembered (`since` now for one not known yet) and its report, with nothing missed in it,
 * looks through its latest slot: `reportedThrough` moves there, as apply and run record it.
 * A slot after the latest look that saw the call disabled is as any call's: placed within
 * its deadline, or reported missed (the call may have been enabled again right after it).
 */
const lookThroughDisabled = (
  call: CallDefinition,
  target: string,
  input: PlanInput,
  seen: Map<string, ScheduleMemory>,
  missed: MissedSink,
): void => {
  const spec = call.schedule;
  if (spec === undefined || isRowPlacedOnce(call) || !compileSchedule(spec)) return;
  const key = memoryKey(target, call.campaign?.name ?? call.name);
  // A campaign's rows share their memory: looked through once.
  if (seen.has(key)) return;
  const known = input.lock.schedules?.[key] ?? { since: firstSeenOf(input) };
  seen.set(key, known);
  const now = input.now.getTime();
  const since = Date.parse(known.since);
  // No slot up to this instant is reported anyway (planScheduled's reportableFrom).
  const floor = Math.max(
    (Number.isNaN(since) ? now : since) - spec.deadlineMs,
    instant(known.prunedThrough),
  );
  const after = Math.max(floor, reportedThrough(input, key));
  const last = latestSlots(spec, after, now, () => true, 1)[0];
  if (last === undefined) return;
  missed.report({ memory: key, count: 0, items: [], through: formatSlot(last) });
};

/**
 * An unscheduled call (or campaign row) never placed whose number an unscheduled call or
 * campaign row no longer defined may have rung: most often the same call renamed, or made a
 * campaign of the same name (a campaign made a call). Its number is read only when its target
 * holds such an entry.
 */
const dialledOnce = (
  renamed: RenamedSlots,
  target: string,
  built: PlanItem,
  input: PlanInput,
): RenamedEntry | undefined => {
  if (!renamed.anyOnce(target)) return undefined;
  const number = numberOfItem(input)(built);
  return number === undefined ? undefined : renamed.once(target, numberDigest(number));
};

/**
 * `add`, which says of a campaign row placed once (calling hours, `start`, `end`, `redial`)
 * due for the first time what the plan says of an unscheduled call (dialledOnce); `add` itself
 * while the target holds no entry of an unscheduled call or row no longer defined.
 */
const noteDialledOnce = (
  add: Sink,
  renamed: RenamedSlots,
  target: string,
  input: PlanInput,
): Sink =>
  !renamed.anyOnce(target)
    ? add
    : (bucket, item) => {
        const first =
          bucket === 'due' &&
          item.reason === undefined &&
          item.replaces === undefined &&
          !item.key.includes('#') &&
          entryAt(input.lock.calls, item.key) === undefined;
        const before = first ? dialledOnce(renamed, target, item, input) : undefined;
        add(
          bucket,
          before === undefined ? item : amendItem(item, { reason: dialledOnceWords(before) }),
        );
      };

/** Why a call new by its name is still due, though its number was dialled under another. */
const dialledOnceWords = (before: RenamedEntry): string =>
  `new by its name, but its number was dialled as ${before.key} (${rangWords(before.entry)}), ${whoseWords(before)}: placed again`;

/** The `since` of a call the memory does not know yet (never after `now`). */
const firstSeenOf = (input: PlanInput): string =>
  input.firstSeen !== undefined && input.firstSeen.getTime() < input.now.getTime()
    ? input.firstSeen.toISOString()
    : input.now.toISOString();

const instant = (text: string | undefined): number => {
  const ms = text === undefined ? Number.NaN : Date.parse(text);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
};

/** Through which slot the missed slots of memory `key` were reported (-∞: none). */
const reportedThrough = (input: PlanInput, key: string): number =>
  Math.max(instant(input.lock.schedules?.[key]?.reportedThrough), instant(input.reported?.[key]));

/** A campaign row without cron/at: placed once (each attempt, with redial), not per slot. */
export const isRowPlacedOnce = (call: Pick<CallDefinition, 'campaign' | 'schedule'>): boolean =>
  call.campaign !== undefined && !call.schedule?.cron && !call.schedule?.at;

/**
 * Why unknown `key` cannot be replaced, said to fit what was typed (`retryUnknown`: with
 * --retry-unknown), with the resolve commands that settle it in full.
 */
const unknownNotReplaced = (key: string, ended: string | undefined, retryUnknown: boolean) => {
  const settle = `\`callops resolve ${key} --placed SID\` or \`callops resolve ${key} --not-placed\``;
  if (ended !== undefined)
    return `${key} is unknown (it may have been placed) and is not placed again: ${ended}; settle it with ${settle}`;
  return retryUnknown
    ? `${key} is unknown (it may have been placed): --replace does not apply to an unknown entry; --retry-unknown without --replace places it again (\`callops plan --retry-unknown\` shows when, or why not), or settle it with ${settle}`
    : `${key} is unknown (it may have been placed): --replace places again only a placed call; settle it first with ${settle}, or place it again with --retry-unknown (without --replace)`;
};

/**
 * Why `--replace NAME` cannot place NAME again, if it cannot: only a defined, enabled,
 * unscheduled call, or a row of a campaign without cron/at nor redial whose `end` has not
 * passed at `now`, that is placed (on this run's target) may be replaced. One another runner
 * is placing right now is no wrong name: the plan skips it (that runner records it).
 */
export const checkReplace = (
  name: string,
  input: Pick<
    PlanInput,
    'calls' | 'lock' | 'runTarget' | 'explicitTarget' | 'only' | 'now' | 'retryUnknown'
  >,
): string | undefined => {
  const call = input.calls.find((c) => c.name === name);
  if (call === undefined) {
    // `--only` takes a campaign's name, and `--replace` one of its rows: say which.
    return input.calls.some((c) => c.campaign?.name === name)
      ? `\`${name}\` is a campaign: --replace takes one of its rows, \`${name}/ID\` (\`callops plan --only ${name}\` lists them)`
      : 'no call of that name (see `callops plan` for the calls)';
  }
  if (call.redial !== undefined) {
    return `its campaign redials by outcome: each attempt is its own placement, placed once; ${REDIAL_EDITED_HINT}`;
  }
  if (call.schedule !== undefined && !isRowPlacedOnce(call)) {
    return 'it is scheduled: each slot is placed once; --replace is for unscheduled calls and rows of campaigns without cron/at';
  }
  if (!call.enabled) return 'it is disabled';
  const selected = (n: string | undefined) => n !== undefined && input.only?.includes(n) === true;
  if (input.only !== undefined && !selected(name) && !selected(call.campaign?.name)) {
    return 'it is not among --only';
  }
  if (input.explicitTarget && call.target !== undefined && call.target !== input.runTarget) {
    return `it is pinned to target \`${call.target}\``;
  }
  const key = placementKey(call.target ?? input.runTarget, name);
  const entry = input.lock.calls[key];
  const ended = rowEndedAt(call, input.now.getTime());
  if (ended !== undefined && (entry === undefined || entry.status === 'failed')) {
    return `${key} was never placed and ${campaignEndedWords(call, ended)}: it is expired, never placed`;
  }
  // Not "apply places it": a row held back as already dialled never is (plan says why).
  if (entry === undefined) {
    return `${key} is not placed yet: --replace places a placed call again (\`callops plan\` says when, or why not, it is placed)`;
  }
  if (entry.status === 'failed')
    return `${key} is not placed (failed): \`callops apply\` retries it`;
  // Another runner is placing it (replacing it, most likely): no wrong name, a race. The
  // plan skips it as being placed right now, as a replacement that comes second is skipped.
  if (isInFlight(entry)) return undefined;
  if (entry.status === 'unknown') {
    return unknownNotReplaced(
      key,
      ended === undefined ? undefined : campaignEndedWords(call, ended),
      input.retryUnknown === true,
    );
  }
  if (entry.sid === undefined) return `${key} is placed without a recorded sid`;
  if (ended !== undefined) {
    return `${key} was placed (${entry.sid} at ${entry.at}) and is not placed again: ${campaignEndedWords(call, ended)}`;
  }
  return undefined;
};

/** The campaigns of which `only` selects some rows but not all (nor the campaign itself). */
const partialRows = (
  calls: readonly CallDefinition[],
  only: ReadonlySet<string>,
): ReadonlySet<string> => {
  const rows = new Map<string, { all: number; chosen: number }>();
  for (const call of calls) {
    const name = call.campaign?.name;
    if (name === undefined || only.has(name)) continue;
    const known = rows.get(name) ?? { all: 0, chosen: 0 };
    known.all += 1;
    if (only.has(call.name)) known.chosen += 1;
    rows.set(name, known);
  }
  return new Set(
    [...rows].filter(([, { all, chosen }]) => chosen > 0 && chosen < all).map(([n]) => n),
  );
};

/** Earliest slot first; a campaign's rows in the order of its CSV; then by key. */
export const bySlotThenKey = (a: PlanItem, b: PlanItem): number => {
  const sa = a.slot ?? '';
  const sb = b.slot ?? '';
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (a.campaign !== undefined && a.campaign === b.campaign && a.line !== b.line) {
    return a.line - b.line;
  }
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
};

/**
 * What apply would do at `now`, from the definitions and the lockfile alone. Pure: the
 * clock, the environment and the network play no part; `${VAR}` references stay unresolved.
 *
 * - unscheduled call: due once; skipped when placed or unknown (due again with
 *   `retryUnknown`); a failed one is due again;
 * - scheduled call: of the slots in (now − deadline, now] inside the window, the most recent
 *   is due unless the lockfile settles it as above, and the older ones are missed
 *   (superseded) unless placed or unknown — with `catchup: all` each of them is due (the
 *   latest MAX_SLOTS); none not later than the latest slot placed or unknown (of whichever
 *   schedule: an edited one) is due, with either catch-up; times outside the window are no
 *   slots (not listed); slots whose deadline passed without a lockfile entry are missed
 *   (never placed late): the latest ten per call of the last 24 h are listed, the others counted
 *   (`missedCount`); `unreported` counts, lists and bounds per call those after its
 *   `reportedThrough`, which apply and run report. A slot is never missed when its deadline passed before callops first saw the call (the
 *   lockfile's `schedules` memory; `now` when it has none). Upcoming lists the next slots
 *   (inside the window) after `now`. A call with no slot left (its `at` or `end` passed)
 *   that the plan lists nothing of, and none of whose slots the lockfile holds, is skipped
 *   with why (noSlotLeft), so that it is never missing from every list. `memory` is that memory with every scheduled call
 *   planned here remembered (apply and run write it).
 */
export const buildPlan = (input: PlanInput): Plan => {
  // A campaign's rows are kept as a few numbers each in these lists (see rows.ts).
  const lists: Record<Bucket, PlanList> = {
    due: new PlanList(true, bySlotThenKey),
    upcoming: new PlanList(true, bySlotThenKey),
    missed: new PlanList(true, bySlotThenKey),
    skipped: new PlanList(true, bySlotThenKey),
  };
  const only = input.only === undefined ? undefined : new Set(input.only);
  // Per campaign memory, the earliest slot a row of it is due at (slots as keys write them
  // sort as they fall): the campaign's reports look no further (keptBefore).
  const pending = new Map<string, string>();
  const add: Sink = (bucket, item) => {
    lists[bucket].push(item);
    if (bucket !== 'due' || item.campaign === undefined || item.slot === undefined) return;
    const memory = memoryKey(item.target, item.campaign);
    const known = pending.get(memory);
    if (known === undefined || item.slot < known) pending.set(memory, item.slot);
  };
  const seen = new Map<string, ScheduleMemory>();
  const hours: HoursCache = new Map();
  const fields = new Map<string, RowItemFields>();
  // The slot searches the calls of one schedule and memory share (a campaign's rows).
  const shares = slotShares();
  // Numbers dialled per campaign, built once for the plan (only for a campaign a row asks of).
  const dialled = dialledCache(input.callNumber);
  // The slots of calls and campaigns no longer defined, per target: listed once, when a call
  // asks (a renamed campaign's rows are found in `dialled`).
  const renamed = renamedSlots(input.lock, input.named ?? input.calls, dialled, input.campaigns);
  // The memory of a call or campaign renamed since its missed slots were reported.
  const carry = renamedMemory({
    lock: input.lock,
    now: input.now,
    since: firstSeenOf(input),
    calls: input.calls,
    runTarget: input.runTarget,
    renamed,
    numberOfRow: dialled.numberOf,
  });
  let unlisted = 0;
  let atLeast = false;
  const reports: MissedReport[] = [];
  // Expired campaign rows not reported yet, per campaign memory: reported once, as slots are.
  const expired = new Map<string, { items: PlanItem[]; through: number }>();
  // Made on the first question: the numbers' calls are read once for the plan.
  let holds: LimitHolds | undefined;
  const perNumber = input.screen?.perNumber;
  const missed: MissedSink = {
    held: (item) => holdDialledRow(item, input.lock, dialled),
    limitHeld: (digest, from, to) => {
      if (perNumber === undefined) return false;
      holds ??= limitHolds(input.lock, perNumber);
      return holds.throughout(digest, from, to);
    },
    expired: (memory, end, passed, item) => {
      if (!passed) return;
      if (reportedThrough(input, memory) >= end) return;
      const known = expired.get(memory);
      if (known === undefined) expired.set(memory, { items: [item], through: end });
      else {
        known.items.push(item);
        known.through = Math.max(known.through, end);
      }
    },
    unlisted: (count, partial) => {
      unlisted += count;
      atLeast ||= partial;
    },
    report: (report) => {
      reports.push(report);
    },
  };
  const campaigns = new Map<string, { name: string; rows: number; slotted: boolean }>();
  // A campaign's rows share one memory: when `only` selects some of its rows, the others'
  // missed slots are not looked at, so the memory must not move (see Plan.partial).
  const partial = new Set<string>();
  const rowsOf = only && partialRows(input.calls, only);
  for (const call of input.calls) {
    if (only && !only.has(call.name) && !(call.campaign && only.has(call.campaign.name))) continue;
    if (call.campaign !== undefined && rowsOf?.has(call.campaign.name)) {
      partial.add(memoryKey(call.target ?? input.runTarget, call.campaign.name));
    }
    if (call.campaign !== undefined) {
      const name = call.campaign.name;
      const known = campaigns.get(name);
      if (known === undefined)
        campaigns.set(name, { name, rows: 1, slotted: !isRowPlacedOnce(call) });
      else known.rows += 1;
    }
    planCall(call, input, add, seen, hours, fields, missed, shares, renamed, carry);
  }
  for (const [memory, { items, through }] of expired) {
    if (!seen.has(memory)) {
      seen.set(memory, input.lock.schedules?.[memory] ?? { since: firstSeenOf(input) });
    }
    reports.push({
      memory,
      count: items.length,
      items,
      through: formatSlot(new Date(through)),
      expired: true,
    });
  }
  const missedItems = lists.missed.items();
  const missedCount: MissedCount = {
    count: missedItems.length + unlisted,
    ...(atLeast ? { atLeast: true } : {}),
  };
  // Rows that now dial someone the campaign already called under another key, or (keyed by
  // position) a number an earlier row of this run dials: held, due or not yet.
  const shifted = holdShiftedRows(lists.due.items(), input.lock, dialled, lists.upcoming.items());
  for (const item of shifted.held) lists.skipped.push(item);
  // Unknown entries are due only with --retry-unknown: no lookup a due item otherwise.
  const redirected = input.retryUnknown
    ? holdRedirectedRetries(shifted.due, input.lock, numberOfItem(input))
    : undefined;
  for (const item of redirected?.held ?? []) lists.skipped.push(item);
  const due = redirected?.due ?? shifted.due;
  const upcoming = shifted.upcoming;
  const screened =
    input.screen === undefined ? undefined : screenDue(due, input.screen, input.lock, input.now);
  const later = input.screen === undefined ? undefined : screenUpcoming(upcoming, input.screen);
  return {
    target: input.runTarget,
    now: input.now.toISOString(),
    due: screened?.due ?? due,
    ...(screened === undefined
      ? {}
      : {
          suppressed: [...screened.suppressed, ...(later?.suppressed ?? [])],
          waiting: screened.waiting,
        }),
    upcoming: later?.upcoming ?? upcoming,
    missed: missedItems,
    missedCount,
    unreported: reports.map((report) => {
      const r = keptBefore(report, pending.get(report.memory));
      return partial.has(r.memory) ? { ...r, partial: true } : r;
    }),
    ...(partial.size > 0 && { partial: [...partial] }),
    skipped: lists.skipped.items(),
    memory: { ...input.lock.schedules, ...Object.fromEntries(seen) },
    campaigns: [...campaigns.values()],
  };
};
