import type { HoursCache } from '../schedule/hours.js';
import { compileSchedule } from '../schedule/index.js';
import { numberKey } from '../screen/number.js';
import type { ScheduleMemory } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { type Bucket, bySlotThenKey, type Sink } from './buckets.js';
import { otherNumberWords, replaceHint, replacementOf } from './changed.js';
import { dialledOnce, dialledOnceWords, noteDialledOnce } from './dialled-once.js';
import { entryAt } from './entries.js';
import { firstSeenOf, instant, numberOfItem, type PlanInput, reportedThrough } from './input.js';
import { amendItem, callItem, RowItem, type RowItemFields } from './item.js';
import { formatSlot, placementKey } from './keys.js';
import { type LimitHolds, limitHolds } from './limit-held.js';
import { keptBefore, memoryKey } from './memory.js';
import type { MissedSink } from './missed.js';
import { selectedBy } from './only.js';
import { type RenamedSlots, renamedSlots } from './renamed.js';
import { type RenamedMemory, renamedMemory } from './renamed-memory.js';
import { acrossTwins } from './renamed-twins.js';
import { holdRescheduled } from './rescheduled.js';
import { heldHint, isRowPlacedOnce, planRow } from './row.js';
import { PlanList } from './rows.js';
import { planScheduled } from './scheduled.js';
import { screenDue, screenUpcoming } from './screen.js';
import { decide } from './settle.js';
import { dialledCache, holdDialledRow, holdRedirectedRetries, holdShiftedRows } from './shifted.js';
import { latestSlots } from './slot-search.js';
import { type SlotShares, slotShares } from './slot-share.js';
import { pendingSlots, throughSuppressed } from './suppressed-memory.js';
import { targetNotesOf } from './target-notes.js';
import { holdTwinKeys, twinMemory } from './twin-held.js';
import { type TargetTwins, targetTwins } from './twins.js';
import type { ClockAhead, MissedCount, MissedReport, Plan, PlanItem } from './types.js';

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
  twins: TargetTwins,
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
    planRow(
      call,
      spec,
      item(),
      input,
      noteDialledOnce(add, renamed, target, input),
      hours,
      missed,
      twins,
    );
    return;
  }
  if (spec) {
    if (!compileSchedule(spec)) {
      add('skipped', item(undefined, 'schedule not understood (see `callops validate`)'));
      return;
    }
    // A campaign's rows share its memory: one entry per campaign, not per row.
    const key = memoryKey(target, campaign ?? call.name);
    // A call or campaign renamed keeps what its old name reported (renamed-memory.ts), and
    // one whose target was renamed what it reported under the old target (twin-held.ts).
    const known = input.lock.schedules?.[key] ??
      twinMemory(input, twins, target, campaign ?? call.name) ??
      (campaign === undefined
        ? carry.call(target, () => {
            const number = numberOfItem(input)(item());
            return number === undefined ? undefined : numberKey(number);
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
      twins,
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
  // Per campaign memory, the slots its rows are due at (slots as keys write them sort as they
  // fall): the campaign's reports look no further than the earliest (keptBefore).
  const pending = pendingSlots();
  const add: Sink = (bucket, item) => {
    lists[bucket].push(item);
    if (bucket === 'due') pending.add(item);
  };
  const seen = new Map<string, ScheduleMemory>();
  const hours: HoursCache = new Map();
  const fields = new Map<string, RowItemFields>();
  // The slot searches the calls of one schedule and memory share (a campaign's rows).
  const shares = slotShares();
  // The targets whose entries stand for another's: one no longer defined (renamed, most
  // often), or another name for its gateway (twins.ts).
  const twins = targetTwins(input.lock, input.gateways);
  // Numbers dialled per campaign and target, built once for the plan (only for a campaign a
  // row asks of): a row is asked against its campaign's entries under its target's twins too.
  const dialled = dialledCache(input.callNumber, twins);
  // The slots of calls and campaigns no longer defined, per target and its twins: listed
  // once, when a call asks (a renamed campaign's rows are found in `dialled`).
  const renamed = acrossTwins(
    renamedSlots(input.lock, input.named ?? input.calls, dialled, input.campaigns),
    twins,
  );
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
  // Per memory key: the latest entry later than the clock, said once per call.
  const ahead = new Map<string, ClockAhead>();
  const missed: MissedSink = {
    clockAhead: (memory, key, status) => {
      const known = ahead.get(memory);
      if (
        known === undefined ||
        key.slice(key.lastIndexOf('@')) > known.key.slice(known.key.lastIndexOf('@'))
      )
        ahead.set(memory, { key, status });
    },
    held: (item) => holdDialledRow(item, input.lock, dialled),
    limitHeld: (key, from, to) => {
      if (perNumber === undefined) return false;
      holds ??= limitHolds(input.lock, perNumber);
      return holds.throughout(key, from, to);
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
    if (!selectedBy(only, call)) continue;
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
    planCall(call, input, add, seen, hours, fields, missed, shares, renamed, carry, twins);
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
  // The same key placed under a twin of its target: that call or row, placed already.
  // A row whose campaign dialled its number under another row's key is held as such first.
  const twinned = holdTwinKeys(lists.due.items(), lists.upcoming.items(), twins, input, (item) =>
    holdDialledRow(item, input.lock, dialled),
  );
  for (const item of twinned.held) lists.skipped.push(item);
  // A call that runs once whose schedule changed since it placed its number under another key.
  const rescheduled = holdRescheduled(twinned.due, twinned.upcoming, input, twins);
  for (const item of rescheduled.held) lists.skipped.push(item);
  const missedItems = lists.missed.items();
  const missedCount: MissedCount = {
    count: missedItems.length + unlisted,
    ...(atLeast ? { atLeast: true } : {}),
  };
  // Rows that now dial someone the campaign already called under another key, or (keyed by
  // position) a number an earlier row of this run dials: held, due or not yet.
  const shifted = holdShiftedRows(rescheduled.due, input.lock, dialled, rescheduled.upcoming);
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
  // A slot a list holds back now is settled, as apply and run say it: not pending, and looked
  // through by its call's report (suppressed-memory.ts).
  for (const item of screened?.suppressed ?? []) pending.drop(item);
  const looked = throughSuppressed(reports, screened?.suppressed ?? [], new Set(seen.keys()));
  return {
    target: input.runTarget,
    now: input.now.toISOString(),
    due: screened?.due ?? due,
    ...(screened === undefined
      ? {}
      : {
          suppressed: [...screened.suppressed, ...(later?.suppressed ?? [])],
          waiting: screened.waiting,
          ...(screened.frees !== undefined && {
            limitFrees: new Date(screened.frees).toISOString(),
          }),
        }),
    upcoming: later?.upcoming ?? upcoming,
    missed: missedItems,
    missedCount,
    unreported: looked.map((report) => {
      const r = keptBefore(report, pending.earliest(report.memory));
      return partial.has(r.memory) ? { ...r, partial: true } : r;
    }),
    ...(partial.size > 0 && { partial: [...partial] }),
    skipped: lists.skipped.items(),
    ...targetNotesOf(twins, input.lock, input.gateways, input.runTarget),
    memory: { ...input.lock.schedules, ...Object.fromEntries(seen) },
    campaigns: [...campaigns.values()],
    ...(ahead.size > 0 && { clockAhead: [...ahead.values()] }),
  };
};
