import { sameEntry } from './lockfile.js';
import { cleanOutcome, outcomeAfter, showsAnswer } from './outcome.js';
import { mergeRang } from './rang.js';
import type { LockEntry, Lockfile, RangMemory, ScheduleMemory } from './types.js';

/**
 * One key placed under two sids, neither replacing the other: two calls were made, or the
 * file's sid was edited. The lockfile keeps one entry per key (`kept`, the one this runner
 * recorded); `other` is the one it cannot hold, which a person must know of.
 */
export interface PlacedTwice {
  readonly key: string;
  readonly kept: LockEntry;
  readonly other: LockEntry;
}

export interface Merged {
  /** `ours` itself when the file adds nothing to it. */
  readonly lock: Lockfile;
  /** Keys whose entry was taken from the file: placed or settled elsewhere, or newer there. */
  readonly taken: readonly string[];
  readonly twice: readonly PlacedTwice[];
}

const replaced = (entry: LockEntry, sid: string | undefined): boolean =>
  sid !== undefined && entry.history?.some((h) => h.sid === sid) === true;

/** How far an outcome has got: none, in progress, ended (never changed again). */
const outcomeRank = (entry: LockEntry): number =>
  entry.outcome === undefined ? 0 : entry.outcome.status === 'in-progress' ? 1 : 2;

/**
 * `keep`, one of two entries of one call, with the other's evidence of an answer added when
 * it lacks it: a final outcome without an answer beside an answer the other writer (or this
 * one) recorded ends the call answered, as in whichever order the statuses came (outcomeAfter),
 * so that a merge never loses an answer and the row is never redialled for it.
 */
const answerKept = (keep: LockEntry, ours: LockEntry, theirs: LockEntry): LockEntry => {
  const other = keep === ours ? theirs : ours;
  if (keep.outcome === undefined || other.outcome === undefined) return keep;
  if (showsAnswer(keep.outcome) || !showsAnswer(other.outcome)) return keep;
  const folded = outcomeAfter(keep.outcome, other.outcome);
  return folded === undefined ? keep : { ...keep, outcome: cleanOutcome(folded) };
};

/**
 * Which of two entries of one key the view keeps: this runner's (`ours`) or the one another
 * writer left in the file (`theirs`). Never one older than the other: a placed call stays
 * placed (unless the other is a replacement of it, which keeps its sid in `history`), and of
 * two entries not placed the later attempt or settlement wins, so a lockfile that moved
 * backwards changes nothing and one that moved on is taken. Two different sids placed for
 * one key keep this runner's (`twice`): the sid it recorded is the one only it holds (the
 * other writer's stays in that file's history, git's), and a sid edited in the file by hand
 * (the same `at`, another sid) must not replace the real one everywhere.
 */
export const pickEntry = (
  ours: LockEntry,
  theirs: LockEntry,
): { readonly keep: LockEntry; readonly twice?: true } => {
  if (ours === theirs || sameEntry(ours, theirs)) return { keep: ours };
  const [a, b] = [ours.status === 'placed', theirs.status === 'placed'];
  if (a && b) {
    if (ours.sid === theirs.sid) {
      // The same call: the entry that knows more of it (a replacement's history, an outcome).
      const longer = (theirs.history?.length ?? 0) - (ours.history?.length ?? 0);
      if (longer !== 0) return { keep: longer > 0 ? theirs : ours };
      return {
        keep: answerKept(outcomeRank(theirs) > outcomeRank(ours) ? theirs : ours, ours, theirs),
      };
    }
    if (replaced(theirs, ours.sid)) return { keep: theirs };
    if (replaced(ours, theirs.sid)) return { keep: ours };
    return { keep: ours, twice: true };
  }
  // A replacement that failed or is unknown keeps the call it replaced in its history.
  if (a) return { keep: replaced(theirs, ours.sid) ? theirs : ours };
  if (b) return { keep: replaced(ours, theirs.sid) ? ours : theirs };
  const [x, y] = [Date.parse(ours.at), Date.parse(theirs.at)];
  if (x !== y) return { keep: y > x ? theirs : ours };
  // `callops resolve` keeps the attempt's time: the settled entry is the newer one.
  return { keep: theirs.resolvedBy !== undefined && ours.resolvedBy === undefined ? theirs : ours };
};

const later = (a: string | undefined, b: string | undefined): string | undefined =>
  a === undefined ? b : b === undefined || Date.parse(a) >= Date.parse(b) ? a : b;

/**
 * A memory's calls let go, beside another's that has them: one an earlier release let
 * entries go from remembers none of their calls, forgotten through its last slot let go.
 */
const rangBeside = (memory: ScheduleMemory, other: ScheduleMemory): RangMemory | undefined =>
  memory.rang ??
  (other.rang === undefined || memory.prunedThrough === undefined
    ? undefined
    : { numbers: {}, forgotten: memory.prunedThrough });

/** What two memories of one call let go, as one: let go the furthest, the calls either remembers. */
export const mergeLetGo = (
  ours: ScheduleMemory,
  theirs: ScheduleMemory,
): Pick<ScheduleMemory, 'prunedThrough' | 'rang'> => {
  const prunedThrough = later(ours.prunedThrough, theirs.prunedThrough);
  const rang = mergeRang(rangBeside(ours, theirs), rangBeside(theirs, ours));
  return {
    ...(prunedThrough === undefined ? {} : { prunedThrough }),
    ...(rang === undefined ? {} : { rang }),
  };
};

/**
 * One call's schedule memory from both: first seen the earliest, reported and let go the
 * furthest, the calls let go that either remembers.
 */
const mergeMemory = (ours: ScheduleMemory, theirs: ScheduleMemory): ScheduleMemory => {
  const since = Date.parse(theirs.since) < Date.parse(ours.since) ? theirs.since : ours.since;
  const reportedThrough = later(ours.reportedThrough, theirs.reportedThrough);
  const { prunedThrough, rang } = mergeLetGo(ours, theirs);
  if (
    since === ours.since &&
    reportedThrough === ours.reportedThrough &&
    prunedThrough === ours.prunedThrough &&
    (rang === ours.rang || JSON.stringify(rang) === JSON.stringify(ours.rang))
  )
    return ours;
  return {
    since,
    ...(reportedThrough === undefined ? {} : { reportedThrough }),
    ...(prunedThrough === undefined ? {} : { prunedThrough }),
    ...(rang === undefined ? {} : { rang }),
  };
};

/** Two lockfiles' schedule memories as one (mergeMemory); `ours` itself when `theirs` adds nothing. */
export const mergeSchedules = (
  ours: Lockfile['schedules'],
  theirs: Lockfile['schedules'],
): Lockfile['schedules'] => {
  if (theirs === undefined || ours === theirs) return ours;
  if (ours === undefined) return theirs;
  let out: Record<string, ScheduleMemory> | undefined;
  for (const [key, memory] of Object.entries(theirs)) {
    const mine = ours[key];
    const next = mine === undefined ? memory : mergeMemory(mine, memory);
    if (next === mine) continue;
    out ??= { ...ours };
    out[key] = next;
  }
  return out ?? ours;
};

/**
 * The view of a runner that holds the lockfile (`ours`: what it read and recorded since)
 * merged with the file as another writer left it (`theirs`: a `git pull` of placements made
 * on another host, an older copy put back, another run's write after this one lost its run
 * lock). Nothing either holds is lost: an entry only `ours` has is kept (this runner's own
 * record, also when the file moved backwards), one only the file has is taken, and of two
 * entries of a key the newer is kept (pickEntry). Pure; `ours` itself when the file adds
 * nothing.
 */
export const mergeLockfiles = (ours: Lockfile, theirs: Lockfile): Merged => {
  let calls: Record<string, LockEntry> | undefined;
  const taken: string[] = [];
  const twice: PlacedTwice[] = [];
  for (const key of Object.keys(theirs.calls)) {
    const other = theirs.calls[key] as LockEntry;
    const mine = ours.calls[key];
    let keep = other;
    if (mine !== undefined) {
      const picked = pickEntry(mine, other);
      keep = picked.keep;
      if (picked.twice) {
        twice.push({ key, kept: keep, other: keep === mine ? other : mine });
      }
      if (keep === mine) continue;
    }
    calls ??= { ...ours.calls };
    calls[key] = keep;
    taken.push(key);
  }
  const schedules = mergeSchedules(ours.schedules, theirs.schedules);
  if (calls === undefined && schedules === ours.schedules) return { lock: ours, taken, twice };
  return {
    lock: {
      ...ours,
      ...(calls === undefined ? {} : { calls }),
      ...(schedules === undefined ? {} : { schedules }),
    },
    taken,
    twice,
  };
};
