import { campaignEndedWords, rowEndedAt } from '../campaign/end.js';
import { attemptKey, attemptsIn, REDIAL_EDITED_HINT } from '../campaign/redial.js';
import { redialStops, replaceHint } from '../plan/changed.js';
import { JsonItems, mapped } from '../plan/file.js';
import { numberOfCall } from '../plan/item.js';
import { isRowPlacedOnce } from '../plan/row.js';
import {
  type DialledCache,
  dialledAsOtherRow,
  dialledCache,
  type RowNumber,
  shownNumberOf,
} from '../plan/shifted.js';
import { targetTwins } from '../plan/twins.js';
import type { Plan, PlanItem } from '../plan/types.js';
import { localTime } from '../schedule/zone.js';
import { emptyOutcomeCounts } from '../state/outcome.js';
import { isInFlight } from '../state/store.js';
import type {
  CallOutcome,
  CallOutcomeStatus,
  LockEntry,
  Lockfile,
  PlacementSource,
} from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';
import { type LockfileText, textOf } from './lockfile-shown.js';
import { linePieces } from './pieces.js';
import { keyText } from './plan.js';
import { printable } from './printable.js';
import type { Style } from './style.js';
import { resolveHint, type Unsettled, unsettledJson } from './unsettled.js';

const ORDER = ['unknown', 'failed', 'placed'] as const;

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The lockfile's keys in its own order (an indexed lockfile lists them so already). */
const sortedKeys = (lock: Lockfile): string[] => Object.keys(lock.calls).sort(byCodeUnit);

/**
 * One pass over the entries: how many have each status, the outcomes of the placed ones,
 * and the unknown, failed and in-flight entries themselves (listed first, and few: a placed
 * entry is not kept). A claim another runner is placing right now is in flight, not unknown.
 */
const tally = (lock: Lockfile, keys: readonly string[]) => {
  const counts = { unknown: 0, failed: 0, placed: 0, inFlight: 0 };
  const outcomes = emptyOutcomeCounts();
  const early: Record<'unknown' | 'failed' | 'inFlight', [string, LockEntry][]> = {
    unknown: [],
    failed: [],
    inFlight: [],
  };
  for (const key of keys) {
    const e = lock.calls[key] as LockEntry;
    if (e.status === 'placed') {
      counts.placed += 1;
      outcomes[e.outcome?.status ?? 'none'] += 1;
    } else if (isInFlight(e)) {
      counts.inFlight += 1;
      early.inFlight.push([key, e]);
    } else if (e.status === 'unknown' || e.status === 'failed') {
      counts[e.status] += 1;
      early[e.status].push([key, e]);
    }
  }
  return { counts, outcomes, early };
};

/**
 * Keys of unscheduled calls placed with a definition other than the current one (the
 * lockfile keeps the hash each was placed with), and campaign rows without cron/at, each
 * with how it is placed again (a row whose campaign's `end` passed at `now`: that it is
 * not). A placed slot of a scheduled call is history: a changed schedule speaks to the next
 * slots, not to it. A row of a campaign that redials by outcome is judged by its latest
 * placed attempt (`KEY#n`), the key plan shows it under: changed when it dials another
 * number now than that attempt did (a cell edited, or `numberOf`: a `${VAR}` changed), or
 * was edited and whom that attempt dialled is not known (redialStops); edited otherwise, it
 * is redialled as it is now, not changed.
 * `gateways`: the gateway of each target the project defines (PlanInput.gateways), for a
 * row's `--replace` hint to count the campaign's calls under another name of its target as
 * the plan does.
 */
export const changedKeys = (
  lock: Lockfile,
  calls: readonly CallDefinition[],
  now: Date,
  numberOf: RowNumber = numberOfCall,
  gateways?: ReadonlyMap<string, string>,
): Map<string, string> => {
  // The targets the keys name (before their first `/`; a key without one is a bare name):
  // each call is then looked up under each, so that no map of every call is made (a
  // campaign's rows are made one at a time) and no entry but a call's own is read.
  const targets = new Set<string | undefined>();
  for (const key of Object.keys(lock.calls)) {
    const slash = key.indexOf('/');
    targets.add(slash < 0 ? undefined : key.slice(0, slash));
  }
  const keys = new Map<string, string>();
  if (targets.size === 0) return keys;
  // A campaign's calls under its target's twins count as the plan counts them (twins.ts).
  const dialled = dialledCache(numberOf, targetTwins(lock, gateways));
  for (const call of calls) {
    if ((call.schedule !== undefined && !isRowPlacedOnce(call)) || call.name.includes('@'))
      continue;
    for (const target of targets) {
      // A bare key is a name without a `/` (a key's name is what follows its first one).
      if (target === undefined && call.name.includes('/')) continue;
      const rowKey = target === undefined ? call.name : `${target}/${call.name}`;
      const key = call.redial === undefined ? rowKey : latestPlacedAttempt(lock, rowKey);
      const e = key === undefined ? undefined : lock.calls[key];
      if (
        key !== undefined &&
        e?.status === 'placed' &&
        (call.redial === undefined
          ? call.definition !== e.definition
          : // A redial would go to the number the row dials now: not that attempt's. A row
            // edited otherwise is redialled as it is now, as plan says.
            redialStops(e, call, numberOf))
      ) {
        const ended = rowEndedAt(call, now.getTime());
        const refused = call.redial === undefined ? heldWords(call, key, lock, dialled) : undefined;
        const how =
          call.redial === undefined
            ? ended === undefined
              ? (refused ?? replaceHint(call.name))
              : `not placed again: ${campaignEndedWords(call, ended)}`
            : `not redialled; ${ended === undefined ? REDIAL_EDITED_HINT : campaignEndedWords(call, ended)}`;
        keys.set(key, how);
      }
    }
  }
  return keys;
};

/**
 * For a campaign row: that `--replace` would not place it, and why, when the campaign
 * already dialled whom it names now under another key (as plan says: dialledAsOtherRow).
 */
const heldWords = (
  call: CallDefinition,
  key: string,
  lock: Lockfile,
  cache: DialledCache,
): string | undefined => {
  const target = key.slice(0, key.indexOf('/'));
  const found = dialledAsOtherRow(
    call.campaign,
    target,
    key,
    () => cache.numberOf(call),
    lock,
    cache,
  );
  return found === undefined
    ? undefined
    : `--replace would not place it: this campaign already dialled ${shownNumberOf(call, found.number)} as ${found.dialled.key}${found.how === 'own' ? ', this row, before `--replace` placed it again to another number' : ''}`;
};

/** The key of a row's latest placed attempt (`KEY`, `KEY#2`, …), if one is placed. */
const latestPlacedAttempt = (lock: Lockfile, rowKey: string): string | undefined => {
  const attempts = attemptsIn(lock.calls, rowKey);
  let n = attempts.length;
  while (n > 0 && attempts[n - 1]?.status !== 'placed') n--;
  return n === 0 ? undefined : attemptKey(rowKey, n);
};

/** A slot's key: `<target>/<name>@<slot>`. */
const SLOT_KEY = /^[^/]+\/([^@]+)@(.+)$/;

/**
 * Call name → its schedule, for the calls that name a slot key of the lockfile
 * (`<target>/<name>@<slot>`): the only keys shown with a local time, and the only ones an
 * entry placed past its deadline tells a rehearsal by. No map of every scheduled call (a
 * campaign with calling hours has a schedule on each of its rows).
 */
const slotSchedules = (
  lock: Lockfile,
  calls: readonly CallDefinition[],
): Map<string, NonNullable<CallDefinition['schedule']>> => {
  const names = new Set<string>();
  for (const key of Object.keys(lock.calls)) {
    const match = SLOT_KEY.exec(key);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  const schedules = new Map<string, NonNullable<CallDefinition['schedule']>>();
  if (names.size === 0) return schedules;
  for (const call of calls)
    if (call.schedule !== undefined && names.has(call.name))
      schedules.set(call.name, call.schedule);
  return schedules;
};

/**
 * The time zone (for local times beside UTC) and the deadline (an entry placed later than
 * that after its slot can only come from a rehearsal) of each call named by a slot key.
 */
export const slotTimes = (
  lock: Lockfile,
  calls: readonly CallDefinition[],
): { zones: Map<string, string>; deadlines: Map<string, number> } => {
  const zones = new Map<string, string>();
  const deadlines = new Map<string, number>();
  for (const [name, schedule] of slotSchedules(lock, calls)) {
    zones.set(name, schedule.timezone);
    deadlines.set(name, schedule.deadlineMs);
  }
  return { zones, deadlines };
};

/** `<target>/<name>@<slot>` with the slot's local time, when its call has a time zone. */
const withLocal = (key: string, zones: ReadonlyMap<string, string>): string => {
  const match = SLOT_KEY.exec(key);
  const zone = match?.[1] === undefined ? undefined : zones.get(match[1]);
  const slot = match?.[2] === undefined ? Number.NaN : Date.parse(match[2]);
  if (zone === undefined || zone === 'UTC' || Number.isNaN(slot)) return key;
  return `${key} (${localTime(new Date(slot), zone)})`;
};

/**
 * The words for an entry placed before its own slot, which only a rehearsal ahead of the
 * clock (`apply --now` in the future) does: its slot is not placed again by a real run. Or
 * placed after its slot's deadline (`deadlines`: call name → its deadline now), which only
 * a rehearsal at an earlier instant does: a run never sends an attempt past the deadline.
 */
export const rehearsalWords = (
  key: string,
  e: Pick<LockEntry, 'at'>,
  deadlines?: ReadonlyMap<string, number>,
): string | undefined => {
  const match = SLOT_KEY.exec(key);
  const slot = Date.parse(match?.[2] ?? '');
  const at = Date.parse(e.at);
  if (Number.isNaN(slot) || Number.isNaN(at)) return undefined;
  if (at < slot)
    return `placed by a rehearsal (apply --now), ${formatAhead(slot - at)} before its slot; not placed again`;
  const deadline = match?.[1] === undefined ? undefined : deadlines?.get(match[1]);
  if (deadline === undefined || at <= slot + deadline) return undefined;
  return `placed by a rehearsal (apply --now), ${formatAhead(at - slot)} after its slot, past its deadline: a run never places a slot so late`;
};

/** `38 s`, `5 min`, `3 h`, `2 d`: how far ahead of its slot an entry was placed. */
const formatAhead = (ms: number): string => {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86_400)} d`;
};

/** The key as shown (textOf), with its slot's local time when it is shown as it is. */
const keyShown = (key: string, zones: ReadonlyMap<string, string>, text: LockfileText): string => {
  const shown = text(key);
  return shown === key ? withLocal(key, zones) : shown;
};

/**
 * What an entry's history holds, as it came there: `  (replaced SID)` for the calls an
 * `apply --replace` superseded, and `  (also placed SID (from callops.lock at state push:
 * placed twice))` for those `state push --keep-database` kept beside the entry's call.
 */
export const historyWords = (e: LockEntry, lockfileName = 'the lockfile'): string => {
  const history = e.history ?? [];
  if (history.length === 0) return '';
  const sidsOf = (from: PlacementSource | undefined): string =>
    history
      .filter((h) => h.joinedFrom === from)
      .map((h) => h.sid)
      .join(', ');
  const replaced = sidsOf(undefined);
  const joined = [
    [sidsOf('lockfile'), lockfileName],
    [sidsOf('database'), 'the state database'],
  ].filter(([sids]) => sids !== '');
  const times = history.length + (e.status === 'placed' ? 1 : 0);
  const placed = times === 2 ? 'placed twice' : `placed ${times} times`;
  const also =
    joined.length === 0
      ? ''
      : joined.length === 1
        ? `  (also placed ${joined[0]?.[0]} (from ${joined[0]?.[1]} at state push: ${placed}))`
        : `  (also placed ${joined.map(([sids, where]) => `${sids} (from ${where})`).join(', ')} at state push: ${placed})`;
  return `${replaced === '' ? '' : `  (replaced ${replaced})`}${also}`;
};

const describe = (
  key: string,
  e: LockEntry,
  text: LockfileText,
  zones: ReadonlyMap<string, string>,
  opts: StatusOptions,
): string => {
  const { changed, hints, deadlines } = opts;
  const shown = keyShown(key, zones, text);
  if (e.status === 'placed') {
    const replaced = historyWords(e, opts.lockfile);
    const again = changed.get(key);
    const rehearsed = rehearsalWords(key, e, deadlines);
    const note =
      (again === undefined ? '' : `\n      changed since placed: ${printable(text(again))}`) +
      (rehearsed === undefined ? '' : `\n      ${rehearsed}`);
    const outcome = e.outcome === undefined ? '' : `  ${outcomeText(e.outcome)}`;
    return `${printable(`  ${shown}  sid ${e.sid ?? '?'}  at ${e.at}${outcome}${replaced}`)}${note}`;
  }
  const status = e.httpStatus !== undefined ? `${e.httpStatus} ` : '';
  // A claim another runner is placing is that runner's to record: nothing to settle.
  const settle =
    e.status === 'unknown' && !isInFlight(e)
      ? // The hints are by key as unsettledEntries shows it (textOf).
        `\n      ${printable(hints?.get(text(key)) ?? text(resolveHint(key)))}`
      : '';
  return `${printable(`  ${shown}  at ${e.at}: ${status}${e.message ?? ''}`)}${settle}`;
};

/** `completed 31 s`, `busy (SIP 486)`, `in progress (answered)`. */
export const outcomeText = (o: CallOutcome): string => {
  if (o.status === 'completed') return `completed ${o.duration} s`;
  if (o.status === 'in-progress') return `in progress${o.answered ? ' (answered)' : ''}`;
  return `${o.status} (SIP ${o.sip_status})`;
};

/** `outcomes: 70 completed, 10 busy, 15 no-answer, 5 failed, 0 in progress, 0 not known yet` */
const outcomesLine = (
  c: Readonly<Record<CallOutcomeStatus | 'none', number>>,
): string | undefined => {
  const placed = Object.values(c).reduce((a, b) => a + b, 0);
  if (placed === 0 || c.none === placed) return undefined;
  return `outcomes: ${c.completed} completed, ${c.busy} busy, ${c['no-answer']} no-answer, ${c.failed} failed, ${c['in-progress']} in progress, ${c.none} not known yet`;
};

/**
 * renderStatusHuman's text in pieces, made as they are read: the entries are read twice
 * (to count them, then to list the placed ones; unknown and failed ones, which come first,
 * are kept from the first pass), so a lockfile of many entries is never held as one list
 * of them, nor its text as one string.
 */
export const statusHumanPieces = (
  lock: Lockfile,
  plan: Plan,
  opts: StatusOptions,
): Generator<string> => linePieces(statusLines(lock, plan, opts));

export interface StatusOptions {
  /** Where the state is: the lockfile's name, or `postgres (schema NAME)`. */
  lockName: string;
  /** The lockfile's name (`lockfile:`), as a history placement found there names it. */
  lockfile?: string;
  targetNote: string;
  style: Style;
  /** Keys placed under another definition than now, each with how it is placed again. */
  changed: ReadonlyMap<string, string>;
  /** Call name → time zone of its schedule, for local times beside UTC. */
  zones?: ReadonlyMap<string, string>;
  /**
   * Unknown key (as shown: textOf) → how to settle it (unsettledEntries' hint), when not the
   * usual one.
   */
  hints?: ReadonlyMap<string, string>;
  /** Call name → deadline of its schedule (slotDeadlines), to tell a rehearsal's entry. */
  deadlines?: ReadonlyMap<string, number>;
}

function* statusLines(lock: Lockfile, plan: Plan, opts: StatusOptions): Generator<string> {
  const zones = opts.zones ?? new Map<string, string>();
  const { style } = opts;
  const text = textOf(lock);
  const keys = sortedKeys(lock);
  const { counts, outcomes, early } = tally(lock, keys);
  yield opts.targetNote;
  yield `${opts.lockName}: ${counts.placed} placed${opts.changed.size > 0 ? ` (${opts.changed.size} changed since)` : ''}, ${counts.failed} failed, ${counts.unknown} unknown${counts.inFlight > 0 ? `, ${counts.inFlight} in flight` : ''}`;
  const outcomesText = outcomesLine(outcomes);
  if (outcomesText !== undefined) yield outcomesText;
  const colour = { unknown: 'yellow', failed: 'red', placed: 'green' } as const;
  if (counts.inFlight > 0) {
    yield '';
    yield style('bold', `in flight (${counts.inFlight}) — being placed by another runner now:`);
    for (const [k, e] of early.inFlight)
      yield printable(`  ${keyShown(k, zones, text)}  at ${e.at}`);
  }
  for (const status of ORDER) {
    if (counts[status] === 0) continue;
    yield '';
    yield style(colour[status], `${status} (${counts[status]}):`);
    if (status !== 'placed') {
      for (const [k, e] of early[status]) yield describe(k, e, text, zones, opts);
      continue;
    }
    for (const key of keys) {
      const e = lock.calls[key] as LockEntry;
      if (e.status === 'placed') yield describe(key, e, text, zones, opts);
    }
  }
  if (plan.due.length > 0) {
    yield '';
    yield style('bold', `due now (${plan.due.length}) — \`callops apply\` places them:`);
    for (const i of plan.due) yield printable(`  ${keyText(i)}  → ${i.to}`);
  }
  // A slot already placed (by a rehearsal ahead of its clock) is listed above, not as next.
  const toCome = (i: PlanItem) => lock.calls[i.key]?.status !== 'placed';
  // A cron with no slot ahead says so (its reason), never left out; a slot to come that will
  // be missed (the clocks jump over its window) says why, as `plan` does.
  const beyond = (i: PlanItem) =>
    i.waiting !== true && i.reason !== undefined ? ` — ${i.reason}` : '';
  if (plan.upcoming.some(toCome)) {
    yield '';
    yield style('bold', 'next slots:');
    for (const i of plan.upcoming)
      if (toCome(i)) yield printable(`  ${keyText(i)}  → ${i.to}${beyond(i)}`);
  }
}

export const renderStatusHuman = (lock: Lockfile, plan: Plan, opts: StatusOptions): string =>
  [...statusHumanPieces(lock, plan, opts)].join('');

/**
 * The status as JSON: `calls` lists every entry, each made while it is written (jsonPieces),
 * so that a lockfile of many entries is never held as one list of them.
 */
export const statusJson = (
  lock: Lockfile,
  lockName: string,
  changed: ReadonlyMap<string, string>,
  unsettled: readonly Unsettled[],
  /** Where the state is (`postgres (schema NAME)`); the lockfile's name by default. */
  state: string = lockName,
  /** Call name → deadline of its schedule (slotDeadlines), to tell a rehearsal's entry. */
  deadlines?: ReadonlyMap<string, number>,
) => {
  const keys = sortedKeys(lock);
  const { counts, outcomes } = tally(lock, keys);
  const text = textOf(lock);
  return {
    lockfile: lockName,
    state,
    placed: counts.placed,
    failed: counts.failed,
    unknown: counts.unknown,
    inFlight: counts.inFlight,
    outcomes,
    calls: new JsonItems(() =>
      mapped(keys, (key) => {
        const entry = lock.calls[key] as LockEntry;
        return {
          key: text(key),
          ...entry,
          ...(changed.has(key) && { changed: true }),
          ...(isInFlight(entry) && { inFlight: true }),
          ...(entry.status === 'placed' &&
            rehearsalWords(key, entry, deadlines) !== undefined && { rehearsal: true }),
        };
      }),
    ),
    changed: [...changed.keys()].sort().map((key) => text(key)),
    unsettled: unsettledJson(unsettled),
  };
};
