import { join } from 'node:path';
import { whereOf } from '../config/diagnostics.js';
import { summaryOf } from './calls-summary.js';
import { ensureStateDir } from './dir.js';
import { forgetIndex, indexedCopy, writeIndex } from './lock-index.js';
import {
  copyLockfileAtomic,
  FileWriteError,
  type LockfileWrite,
  readLockfile,
  writeLockfileAtomic,
} from './lockfile.js';
import { mergeSchedules } from './merge.js';
import { showsAnswer } from './outcome.js';
import { rangOf } from './rang.js';
import { memoryKeyOf, recurringKey } from './retention.js';
import type { LockEntry, Lockfile, RangMemory, ScheduleMemory } from './types.js';

/**
 * `.callops/written.lock`: a copy of the lockfile as callops last wrote it. The lockfile is
 * committed and may be deleted or replaced by an older copy (git checkout, a revert, a stale
 * CI cache); this copy is how callops sees that, instead of placing every call again.
 */
export const WRITTEN_FILE = 'written.lock';

export const writtenPath = (stateDir: string): string => join(stateDir, WRITTEN_FILE);

/**
 * Replace the lockfile, then the copy of it in the state directory (both atomically and
 * fsynced). In this order a crash between the two leaves the lockfile newer than the copy,
 * which is accepted; the other order could make a good lockfile look older than the copy.
 * Returns what writing the lockfile gave (its file's identity).
 */
export const saveLockfile = async (
  stateDir: string,
  lockPath: string,
  lock: Lockfile,
): Promise<LockfileWrite> => {
  await forgetIndex(stateDir);
  const written = await writeLockfileAtomic(lockPath, lock);
  await writeCopy(stateDir, lock, written, lockPath);
  return written;
};

/**
 * Write the copy alone: after the lockfile `lock` was written (and, for a run, after its
 * journal was cleared, which frees the room a full disk needs for the copy). `lockfile`,
 * what writing the lockfile from this same `lock` gave, lets both files be indexed;
 * `lockPath`, where it was written, lets the copy be made from its file.
 */
export const writeCopy = async (
  stateDir: string,
  lock: Lockfile,
  lockfile?: LockfileWrite,
  lockPath?: string,
): Promise<void> => {
  await ensureStateDir(stateDir).catch((error: unknown) => {
    // Named, as a copy that cannot be written is: the lockfile is written already.
    throw new FileWriteError(join(stateDir, '.gitignore'), error);
  });
  await forgetIndex(stateDir);
  const path = writtenPath(stateDir);
  // The lockfile's bytes when they are at hand; else its file, copied in pieces (its bytes
  // were written in pieces, never held whole); else, when that file changed since, the lock.
  const copy =
    lockfile === undefined
      ? await writeLockfileAtomic(path, lock)
      : lockfile.bytes !== undefined
        ? await writeLockfileAtomic(path, lock, lockfile.bytes)
        : ((lockPath !== undefined
            ? await copyLockfileAtomic(path, lockPath, lockfile)
            : undefined) ?? (await writeLockfileAtomic(path, lock)));
  if (lockfile !== undefined) await writeIndex(stateDir, lock, lockfile, copy);
};

/**
 * What a copy that could not be written leaves, after "cannot write .callops/written.lock:
 * …": the lockfile, written first, holds every placement; the copy catches up once it can be
 * written.
 */
export const copyNotWritten = (lockName: string): string =>
  `${lockName} holds every placement (it is written first); only its copy .callops/${WRITTEN_FILE}, kept to notice a ${lockName} that moves backwards, is not up to date. Once .callops/ can be written again (room on the disk, its permissions, an immutable flag), the next apply, run, resolve or state pull brings the copy up to date`;

/**
 * Whether a copy holds schedule memories: with every entry let go by `state.keep`, they are
 * all it holds of the calls placed (their slots, and the numbers they rang).
 */
const remembers = (lock: Lockfile): boolean => Object.keys(lock.schedules ?? {}).length > 0;

/**
 * The copy of the lockfile callops last wrote, or undefined when there is none (nor a copy
 * that holds neither an entry nor a memory). Given the
 * lockfile's path, a copy still as indexed is the lock read from the lockfile when that is
 * still as indexed too (the same bytes: nothing is behind), else read through the index.
 */
export const readWritten = async (
  stateDir: string,
  lockPath?: string,
): Promise<Lockfile | undefined> => {
  if (lockPath !== undefined) {
    const indexed = await indexedCopy(stateDir, writtenPath(stateDir), lockPath);
    if (indexed !== undefined)
      return summaryOf(indexed.calls)?.count === 0 && !remembers(indexed) ? undefined : indexed;
  }
  const read = await readLockfile(writtenPath(stateDir), { file: `.callops/${WRITTEN_FILE}` });
  if ('error' in read) {
    const d = read.error;
    throw new Error(
      `${whereOf(d)}: ${d.message} (it is callops' own copy of the lockfile; remove it only if callops.lock holds every placement)`,
    );
  }
  return Object.keys(read.lock.calls).length === 0 && !remembers(read.lock) ? undefined : read.lock;
};

const sameSid = (a: string | undefined, b: string): boolean =>
  a !== undefined && a.toLowerCase() === b.toLowerCase();

/** Whether `current` holds `sid`, as its own or as one `apply --replace` superseded. */
const holdsSid = (current: LockEntry, sid: string): boolean =>
  sameSid(current.sid, sid) || current.history?.some((h) => sameSid(h.sid, sid)) === true;

/**
 * A placed entry that holds neither the sid callops recorded for it nor that sid in its
 * history: the sid was edited by hand, or the entry replaced by another copy. Going on
 * would lose the sid of a call that was placed (its outcome, its settlement).
 */
const sidChanged = (written: LockEntry, current: LockEntry | undefined): boolean =>
  written.status === 'placed' &&
  written.sid !== undefined &&
  current?.status === 'placed' &&
  !holdsSid(current, written.sid);

/**
 * A placed call whose outcome callops recorded answered and the lockfile holds, with the same
 * sid, without that answer (a copy from before it was recorded, a final no-answer in its
 * place): going on would redial someone who answered. Evidence of an answer is never lost.
 */
const answerLost = (written: LockEntry, current: LockEntry): boolean =>
  written.status === 'placed' &&
  written.sid !== undefined &&
  written.outcome !== undefined &&
  showsAnswer(written.outcome) &&
  sameSid(current.sid, written.sid) &&
  (current.outcome === undefined || !showsAnswer(current.outcome));

/**
 * An unknown entry the lockfile holds failed at the very time callops recorded it, without
 * the mark `callops resolve --not-placed` leaves (resolvedBy): its status was edited by hand.
 * A settle keeps the attempt's time, so the time alone cannot tell them apart; going on would
 * place again a call that may have been placed. A failed entry from a later attempt (after a
 * settle) is newer; one from before is a lockfile that moved backwards.
 */
const settledUnmarked = (written: LockEntry, current: LockEntry | undefined): boolean =>
  written.status === 'unknown' &&
  current?.status === 'failed' &&
  current.resolvedBy === undefined &&
  Date.parse(current.at) === Date.parse(written.at);

/**
 * True when `current` is older than what callops wrote: a placed entry must still be
 * placed with its sid, or replaced since (`apply --replace` keeps its sid in the history),
 * and keep the answer callops recorded for it; an unknown one must still be there, placed,
 * or settled at or after that time (a settle as `callops resolve` leaves it: settledUnmarked).
 * A failed entry records nothing that would stop a call, so it is never a regression.
 */
const isBehind = (written: LockEntry, current: LockEntry | undefined): boolean => {
  if (written.status === 'failed') return false;
  if (current === undefined) return true;
  if (current.status === 'placed')
    return sidChanged(written, current) || answerLost(written, current);
  const sid = written.sid;
  if (sid !== undefined && current.history?.some((h) => sameSid(h.sid, sid)) === true) return false;
  if (written.status === 'placed') return true;
  return Date.parse(current.at) < Date.parse(written.at) || settledUnmarked(written, current);
};

/** Of the keys findRegression gave, the unknown entries turned failed by hand (settledUnmarked). */
export const unmarkedSettles = (
  written: Lockfile | undefined,
  current: Lockfile,
  keys: readonly string[],
): string[] =>
  written === undefined
    ? []
    : keys.filter((key) => {
        const before = written.calls[key];
        return before !== undefined && settledUnmarked(before, current.calls[key]);
      });

/**
 * "callops.lock holds 1 unknown call as failed without the mark of a settle (resolvedBy):
 * sim/two, recorded unknown in .callops/." (a few named), undefined when none.
 */
export const unmarkedSettlesText = (
  keys: readonly string[],
  lockName: string,
): string | undefined => {
  if (keys.length === 0) return undefined;
  const calls = keys.length === 1 ? '1 unknown call' : `${keys.length} unknown calls`;
  const shown = `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`;
  return `${lockName} holds ${calls} as failed without the mark \`callops resolve\` leaves (resolvedBy): ${shown}, recorded unknown in .callops/ (the call may have been placed).`;
};

/** A placed entry whose sid is not the one callops recorded (see sidChanged). */
export interface ChangedSid {
  readonly key: string;
  /** The sid callops recorded in `.callops/written.lock`. */
  readonly recorded: string;
  /** The sid the lockfile holds instead (undefined: none). */
  readonly found: string | undefined;
}

/** Of the keys findRegression gave, those whose placed entry holds another sid than recorded. */
export const changedSids = (
  written: Lockfile | undefined,
  current: Lockfile,
  keys: readonly string[],
): ChangedSid[] => {
  if (written === undefined) return [];
  const changed: ChangedSid[] = [];
  for (const key of keys) {
    const before = written.calls[key];
    const now = current.calls[key];
    if (before?.sid !== undefined && sidChanged(before, now))
      changed.push({ key, recorded: before.sid, found: now?.sid });
  }
  return changed;
};

const atOrAfter = (a: string | undefined, b: string): boolean =>
  a !== undefined && Date.parse(a) >= Date.parse(b);

/**
 * Whether a memory's `rang` holds a call to the number `digest` at `at`: its time kept, or
 * a `cut` or `forgotten` that reaches over it (what per-number limits count as whole).
 */
const rangHolds = (rang: RangMemory | undefined, digest: string, at: string): boolean =>
  rang?.numbers[digest]?.some((t) => Date.parse(t) === Date.parse(at)) === true ||
  reachesOver(rang, digest, at);

/** Whether a memory's `forgotten`, or its `cut` of the number `digest`, reaches over `at`. */
const reachesOver = (rang: RangMemory | undefined, digest: string, at: string): boolean =>
  atOrAfter(rang?.forgotten, at) || atOrAfter(rang?.cut?.[digest], at);

/**
 * Whether `current`, which lacks the entry `key`, holds it as an entry `state.keep` let go:
 * its call's memory let go through its slot or later, and remembers the calls it rang. A
 * writer with a shorter keep (or per-number window) let it go, then the keep grew: the copy
 * still holds the entry, the lockfile moved forward, and its memory says what the entry said
 * (the slot is never due again, the call stays counted). A lockfile from before the entry was
 * placed was not let go through its slot. An unknown call may have rung: its own number must
 * be remembered too. A memory without `rang` was written by an earlier release, which kept
 * none of the calls it let go (they count as forgotten).
 */
const letGoIn = (key: string, entry: LockEntry, current: Lockfile): boolean => {
  const slot = recurringKey(key);
  if (slot === undefined) return false;
  const memory = current.schedules?.[memoryKeyOf(key)];
  const through = memory?.prunedThrough;
  if (through === undefined || !(Date.parse(through) >= slot.slotMs)) return false;
  if (memory?.rang === undefined) return true;
  const rang = rangOf(entry.status === 'unknown' ? { ...entry, status: 'placed' } : entry);
  return rang.every((r) => rangHolds(memory.rang, r.number, r.at));
};

/**
 * The keys that callops recorded placed (or unknown) and the current lockfile lacks, holds
 * in an older state, or holds placed with another sid. One it lacks because its memory let
 * the entry go (letGoIn) is not behind.
 */
export const findRegression = (written: Lockfile | undefined, current: Lockfile): string[] =>
  // The same lock (the copy's bytes equal the lockfile's, read once): nothing is behind.
  written === undefined || written === current || written.calls === current.calls
    ? []
    : Object.keys(written.calls)
        .filter((key) => {
          const entry = written.calls[key];
          if (entry === undefined) return false;
          const now = current.calls[key];
          return isBehind(entry, now) && (now !== undefined || !letGoIn(key, entry, current));
        })
        .sort();

/**
 * Whether `current` (a call's memory, or none) holds what `written` holds of the calls
 * `state.keep` let go: let go through the same slot or later (else a slot let go could be due
 * again), and every call `rang` remembers, or a `cut` or `forgotten` that reaches over it
 * (else per-number limits would no longer count it). `since` and `reportedThrough` stop no
 * call: without them a missed slot is at most reported again.
 */
const holdsLetGo = (written: ScheduleMemory, current: ScheduleMemory | undefined): boolean => {
  if (
    written.prunedThrough !== undefined &&
    !atOrAfter(current?.prunedThrough, written.prunedThrough)
  )
    return false;
  const rang = written.rang;
  if (rang === undefined) return true;
  const mine = current?.rang;
  if (rang.forgotten !== undefined && !atOrAfter(mine?.forgotten, rang.forgotten)) return false;
  for (const [digest, at] of Object.entries(rang.cut ?? {})) {
    if (!rangHolds(mine, digest, at)) return false;
  }
  for (const [digest, times] of Object.entries(rang.numbers)) {
    const held = new Set((mine?.numbers[digest] ?? []).map((t) => Date.parse(t)));
    if (times.some((at) => !held.has(Date.parse(at)) && !reachesOver(mine, digest, at)))
      return false;
  }
  return true;
};

/**
 * The calls whose schedule memory callops recorded holds more of what `state.keep` let go
 * than the current lockfile's (holdsLetGo): a lockfile put back from before entries were let
 * go lacks their memory, and then its slots and the calls they rang, which its entries no
 * longer say. Both as `state.keep` leaves them now, so that entries the current lockfile
 * still holds count as the memory they become.
 */
export const findMemoryRegression = (written: Lockfile | undefined, current: Lockfile): string[] =>
  written === undefined || written === current || written.schedules === current.schedules
    ? []
    : Object.keys(written.schedules ?? {})
        .filter((key) => {
          const memory = written.schedules?.[key];
          return memory !== undefined && !holdsLetGo(memory, current.schedules?.[key]);
        })
        .sort();

/**
 * "callops.lock holds another sid than .callops/ recorded for 1 placed call: sim/c1 holds
 * 6f1c… there, .callops/ recorded 0ca1…." (a few named), undefined when none changed.
 */
export const changedSidsText = (
  changed: readonly ChangedSid[],
  lockName: string,
): string | undefined => {
  if (changed.length === 0) return undefined;
  const one = (c: ChangedSid) =>
    `${c.key} holds ${c.found === undefined ? 'no sid' : c.found} there, .callops/ recorded ${c.recorded}`;
  const shown = changed.slice(0, 3).map(one).join('; ');
  const calls = changed.length === 1 ? '1 placed call' : `${changed.length} placed calls`;
  return `${lockName} holds another sid than .callops/ recorded for ${calls}: ${shown}${changed.length > 3 ? '; …' : ''}.`;
};

/**
 * `callops state pull` for the file store: the lockfile with every entry it lacks (or holds
 * in an older state, or with another sid than recorded) taken from the copy, and with the
 * copy's schedule memories joined to its own (mergeSchedules): what `state.keep` let go is
 * only there, the calls those entries rang (`rang`, which per-number limits count) and
 * through which slot they were let go. No entry of `current` is dropped, nor anything its
 * memories hold; an entry whose sid was changed gets the recorded one back. `remembered`:
 * the memories the copy added to.
 */
export const mergeWritten = (
  current: Lockfile,
  written: Lockfile | undefined,
): {
  readonly lock: Lockfile;
  readonly restored: readonly string[];
  readonly remembered: readonly string[];
} => {
  const restored = findRegression(written, current);
  const schedules = mergeSchedules(current.schedules, written?.schedules);
  const remembered =
    schedules === current.schedules
      ? []
      : Object.keys(schedules ?? {}).filter((k) => schedules?.[k] !== current.schedules?.[k]);
  if (written === undefined || (restored.length === 0 && remembered.length === 0))
    return { lock: current, restored, remembered };
  const calls: Record<string, LockEntry> = { ...current.calls };
  for (const key of restored) {
    const entry = written.calls[key];
    if (entry !== undefined) calls[key] = entry;
  }
  return {
    lock: { ...current, calls, ...(schedules === undefined ? {} : { schedules }) },
    restored,
    remembered,
  };
};
