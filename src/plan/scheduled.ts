import { scheduleEndedWords } from '../campaign/end.js';
import {
  compileSchedule,
  DEFAULT_HORIZON_MS,
  inWindow,
  localTime,
  MAX_SLOTS,
  nextSlots,
  scanSlots,
  searchEnd,
} from '../schedule/index.js';
import { numberKey } from '../screen/number.js';
import { isInFlight } from '../state/store.js';
import type { CallDefinition } from '../validate/model.js';
import type { Sink } from './buckets.js';
import { settleWords } from './check-words.js';
import { clockHeldWords } from './clock-held.js';
import { clockJumpWords } from './clock-jump.js';
import { heldUnder, isEmpty, latestTaken } from './entries.js';
import { numberOfItem, type PlanInput } from './input.js';
import { amendItem } from './item.js';
import { formatSlot, placementKey } from './keys.js';
import { type Limited, type MissedKind, type MissedSink, planMissed } from './missed.js';
import { noSlotLeft } from './no-slot.js';
import type { RenamedEntry, RenamedSlot, RenamedSlots } from './renamed.js';
import { movedWords, renamedWords } from './renamed-words.js';
import { placedUnderOtherKey } from './rescheduled.js';
import { decide } from './settle.js';
import { CLOSED, MISSED_LOOKBACK_MS, OPEN, slotSearch } from './slot-search.js';
import { type OwnEntries, ownEntries, type SlotShares } from './slot-share.js';
import type { TargetTwins, TwinEntry } from './twins.js';
import type { PlanItem } from './types.js';

/**
 * The slots of a scheduled call (cron or `at`): due, placed or settled, missed, to come, or,
 * with none left, skipped with why.
 */
export const planScheduled = (
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
  twins: TargetTwins,
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
  // A slot is placed only while the window it fell due in is open and its schedule's `end`
  // is not reached: once either comes (before its deadline), it is missed as well. Only
  // slots within their deadline are asked.
  // (slotEndsAt: the rule apply's send bound and status's settle hint read too.)
  const endOf = (slot: Date) => share.endOf(slot.getTime());
  const closed = (slot: Date) => {
    const end = endOf(slot);
    return end.by !== 'deadline' && end.at <= now;
  };
  // Why a slot is over: whichever of its deadline, its window's close and `end` came first.
  const overWords = (slot: Date) =>
    share.memo(`over ${slot.getTime()}`, () => {
      const end = endOf(slot);
      if (end.by === 'deadline')
        return `deadline passed at ${formatSlot(new Date(end.at))}; never placed late`;
      if (end.by === 'end') return `${scheduleEndedWords(call, end.at)}; never placed late`;
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
    if (end.by !== 'window' || end.at > slot.getTime()) return undefined;
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
    return number === undefined ? undefined : numberKey(number);
  };
  const renamedRow =
    empty || call.campaign === undefined ? undefined : renamed.row(target, call.campaign, numberOf);
  let digest: string | null | undefined;
  const digestOf = (): string | null => {
    if (digest === undefined) digest = numberOf() ?? null;
    return digest;
  };
  // A target renamed keeps the slots under its old name: the same key under a twin of the
  // target (twins.ts) is this call's (or row's) slot placed already, whatever number.
  const twinned = !empty && twins.of(target).length > 0;
  const sameKey = (found: TwinEntry | undefined): RenamedEntry | undefined =>
    found === undefined
      ? undefined
      : { ...found, row: call.campaign !== undefined, converted: false, same: true };
  const renamedAt = (slot: Date): RenamedEntry | undefined => {
    const twin = twinned
      ? sameKey(twins.at(target, `${target}/${call.name}@${shares.text(slot)}`))
      : undefined;
    if (twin !== undefined) return twin;
    if (renamedRow !== undefined) return renamedRow.at(shares.text(slot));
    if (!orphans) return undefined;
    const of = digestOf();
    return of === null ? undefined : renamed.at(target, shares.text(slot), of);
  };
  // A call (or row) with `at` that placed its number under another key of its own before its
  // schedule changed (rescheduled.ts): its slot is held once due (build.ts), never missed.
  const once = !empty && spec.at !== undefined && spec.cron === undefined;
  const onceAt = (slot: Date): boolean =>
    once &&
    entryOf(slot) === undefined &&
    placedUnderOtherKey(input.lock, twins, item(slot), () => digestOf() ?? undefined) !== undefined;
  // The latest slot in (after, until] that a call or campaign no longer defined placed (or
  // may have) to this number, whatever slot the schedule has now (edited with the rename).
  const renamedLatest = (after: number, until: number): RenamedSlot | undefined => {
    const twin = twinned ? twins.latest(target, call.name, after, until) : undefined;
    const named = renamedNameLatest(after, until);
    if (twin === undefined) return named;
    return named !== undefined && named.slot > twin.slot
      ? named
      : { ...twin, row: call.campaign !== undefined, converted: false, same: true };
  };
  const renamedNameLatest = (after: number, until: number): RenamedSlot | undefined => {
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
  // With its keys under the target's twins: shared under those too.
  const ownAndTwins = twinned ? withTwins(own, twins, target, call.name, input) : own;
  // Searches that read other calls' entries too are the call's own: not shared. A row's
  // read its own and those its renamed campaign placed to it: shared under both.
  const search = slotSearch(
    spec,
    share,
    orphans
      ? { within: () => undefined }
      : renamedRow === undefined
        ? ownAndTwins
        : {
            within: (after, until) => {
              const mine = ownAndTwins.within(after, until);
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
        ? `unknown — settle: ${settleWords(built.key)} (not placed again: ${overWords(slot)})`
        : reason;
    add(bucket, over === undefined ? built : amendItem(built, { reason: over }));
  };
  // Never back in time: a slot not later than the latest one of this call the lockfile holds
  // placed or unknown is superseded by it, with either catch-up. Its entry may be of a slot
  // the schedule no longer has (a cron or time zone edited since): an edit takes effect at
  // the next slot, never with one earlier than a call already made.
  // On the real clock, whatever it says: one that went back (an NTP step), or a runner's behind
  // another's, finds slots later than now placed, and no slot before them is placed after
  // them. A rehearsal (`--now`) goes by its instant: one before the clock places its slots.
  // Whatever the memory says: a `reportedThrough` later than now is itself a clock that went
  // back, and the entries later than now are looked for all the same.
  const real = input.rehearsal !== true;
  const taken = latestTaken(
    input.lock.calls,
    target,
    call.name,
    Math.min(placeFrom, now),
    now,
    real,
  );
  if (taken !== undefined && taken.slot > now)
    missedSink.clockAhead(
      memory,
      placementKey(target, call.name, new Date(taken.slot)),
      taken.status,
    );
  // A memory settled through a slot later than the clock: no slot up to it is due again.
  const reportedAhead = real && reportedMs > now ? reportedMs : undefined;
  if (reportedAhead !== undefined)
    missedSink.clockAhead(memory, `${memory}@${formatSlot(new Date(reportedAhead))}`, 'reported');
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
  // With the default catch-up a slot can be placed only until the next slot falls due (within
  // its deadline, before its window closes): the instant a later slot superseded it, if one
  // did. What ended the life of a slot the per-number limit held back, and when.
  const supersededAt = (slot: Date): number | undefined =>
    all
      ? undefined
      : share.memo(`superseded ${slot.getTime()}`, () => {
          const end = new Date(endOf(slot).at - 1);
          return scanSlots(spec, slot, end, { inWindow: true, limit: 1 }).slots[0]?.getTime();
        });
  const lifeEnd = (slot: Date, by = Number.POSITIVE_INFINITY): number =>
    Math.min(endOf(slot).at, by, supersededAt(slot) ?? Number.POSITIVE_INFINITY);
  const supersededWords = (at: number) =>
    `superseded by ${formatSlot(new Date(at))} before an earlier call to this number left the window`;
  const heldOver = (slot: Date): string => {
    const next = supersededAt(slot);
    return next === undefined ? overWords(slot) : supersededWords(next);
  };
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
        window(slot) &&
        reportable(slot) &&
        entryOf(slot) === undefined &&
        !renamedAt(slot) &&
        !onceAt(slot),
      reason: overWords,
      earlier: 'earlier missed slots not listed',
      end: (slot) => lifeEnd(slot),
      endBy: (slot) => endOf(slot).at,
      over: heldOver,
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
        !renamedAt(slot) &&
        !onceAt(slot),
      reason: overWords,
      earlier: 'earlier missed slots not listed',
      end: (slot) => lifeEnd(slot),
      endBy: (slot) => endOf(slot).at,
      over: heldOver,
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
      // Never a slot still to come: the one that supersedes them may be later than now.
      until: Math.min(by.getTime() - 1, now),
      accept: (slot) => window(slot) && reportable(slot) && !settled(slot) && !renamedAt(slot),
      reason: () => words,
      earlier: 'earlier superseded slots not listed',
      end: (slot) => lifeEnd(slot, by.getTime()),
      endBy: (slot) => Math.min(endOf(slot).at, by.getTime()),
      over: (slot) => supersededWords(lifeEnd(slot, by.getTime())),
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
  // A slot later than the clock recorded placed or unknown (taken: the clock went back, or a
  // runner's is ahead) supersedes every slot before it once they fall due: none of them is to
  // come. The slots to come are looked for from that one on (it is listed as placed), and the
  // first says why those before it are held, when there is any. So are they after a memory
  // settled through a slot later than the clock, that slot too (never placed, not listed):
  // whichever holds more.
  const entryHolds =
    taken !== undefined &&
    taken.slot > now &&
    (reportedAhead === undefined || taken.slot >= reportedAhead);
  const heldBy = entryHolds
    ? { ...taken, from: taken.slot - 1 }
    : reportedAhead === undefined
      ? undefined
      : { slot: reportedAhead, status: 'reported' as const, from: reportedAhead };
  const from = heldBy === undefined ? input.now : new Date(heldBy.from);
  // Whether a slot before it is held: one without a placed or unknown entry of its own.
  const holdsAny = () =>
    scanSlots(spec, input.now, from, { inWindow: true, limit: 1, accept: (s) => !settled(s) }).slots
      .length > 0;
  const heldWords =
    heldBy !== undefined && holdsAny() ? clockHeldWords(heldBy.slot, heldBy.status) : undefined;
  const ask = (n: number): readonly Date[] =>
    share.memo(`next ${n} ${from.getTime()}`, () =>
      nextSlots(spec, from, n, { horizonMs, inWindow: true }),
    );
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
  const toComeWords = (slot: Date, first: boolean): string | undefined => {
    const words = [aheadWords(slot), first ? heldWords : undefined].filter((w) => w !== undefined);
    return words.length === 0 ? undefined : words.join('; ');
  };
  let listed = 0;
  for (const slot of upcoming) {
    if (placedAhead(slot)) settle(slot);
    else if (listed++ >= count) break;
    else if (held === undefined) add('upcoming', item(slot, toComeWords(slot, listed === 1)));
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
  if (left.slot !== undefined && (renamedAt(left.slot) !== undefined || onceAt(left.slot))) return;
  add('skipped', item(left.slot, left.reason));
};

/** `own`, and the entries of the same call (or row) under each twin of `target`. */
const withTwins = (
  own: OwnEntries,
  twins: TargetTwins,
  target: string,
  name: string,
  input: PlanInput,
): OwnEntries => {
  const others = twins
    .of(target)
    .map((twin) => ownEntries(input.lock.calls, `${twin.target}/${name}@`, false));
  return {
    within: (after, until) => {
      let found = own.within(after, until);
      for (const other of others) {
        const more = found === undefined ? undefined : other.within(after, until);
        found = more === undefined ? undefined : `${found}|${more}`;
      }
      return found;
    },
  };
};

/** `2026-12-01T20:00:00Z (21:00 Europe/Berlin)`: when a window closed. */
const closedWords = (close: number, zone: string): string => {
  const at = new Date(close);
  return zone === 'UTC' ? formatSlot(at) : `${formatSlot(at)} (${localTime(at, zone)})`;
};
