import { access, mkdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { whereOf } from '../config/diagnostics.js';
import { NOT_REGULAR_FILE } from '../config/regular-file.js';
import { isoClock } from '../execute/clock.js';
import { NOT_SENT_LOCK_LOST, type Outcome } from '../execute/outcome.js';
import { countsTowardLimit } from '../screen/limit.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import { summaryOf } from './calls-summary.js';
import { JOURNAL_FILE, journalPath, RUN_LOCK_FILE } from './dir.js';
import type { Held } from './file-held.js';
import { planImport } from './import-plan.js';
import { JournalWriteError, openJournal } from './journal.js';
import { forgetIndex, identityAt, indexedCopy, indexedLockfile, writeIndex } from './lock-index.js';
import {
  bytesRead,
  emptyLockfile,
  FileWriteError,
  forgetLastRead,
  type LockfileWrite,
  lockfileChanged,
  readIfUnchanged,
  readLockfile,
  sameFile,
  serializeLockfile,
  writeLockfileAtomic,
} from './lockfile.js';
import { type ConflictMerged, readConflictedLockfile } from './lockfile-conflict.js';
import { sharedSidWarning } from './lockfile-sids.js';
import { mergeLockfiles, pickEntry } from './merge.js';
import { refuseMoved } from './moved.js';
import {
  callsOf,
  callTime,
  deleteCall,
  type NumberIndex,
  numberIndex,
  setCall,
} from './number-index.js';
import { withOutcomes } from './outcome.js';
import { packingPlacedEntries } from './packed-entry.js';
import { rangTimes } from './rang.js';
import { readReceived, recordReceived, withReceived } from './received.js';
import {
  type DefinitionMeta,
  draftLock,
  entryOf,
  recordOutcomes,
  settleUnknown,
} from './record.js';
import { clearJournal, recoverJournal, replayJournal } from './replay.js';
import { pruneExpired } from './retention.js';
import { acquireRunLock, RunLockLost, runGoingOn, runLockInUse } from './runlock.js';
import { openSpool } from './spool.js';
import {
  type Claim,
  type ClaimResult,
  type ImportOptions,
  type ImportResult,
  IN_FLIGHT,
  type LockResult,
  MayBeWritten,
  NotClaimed,
  nothingDone,
  type Observation,
  OutcomeJournaled,
  type Retention,
  type Settlement,
  type StateStore,
  type StateUse,
  type StateView,
} from './store.js';
import type { LockEntry, Lockfile, ScheduleMemory } from './types.js';
import { systemCode, whyNotWritten } from './write-failure.js';
import {
  changedSids,
  changedSidsText,
  copyNotWritten,
  findMemoryRegression,
  findRegression,
  mergeWritten,
  readWritten,
  saveLockfile,
  unmarkedSettles,
  unmarkedSettlesText,
  writeCopy,
  writtenPath,
} from './written.js';

export interface FileStoreOptions {
  /** The project's `.callops/` directory (journal, run lock, the copy of the lockfile). */
  readonly stateDir: string;
  /** The lockfile's path. */
  readonly lockPath: string;
  /** The lockfile's name in messages (relative to the project; default its base name). */
  readonly lockName?: string;
  readonly clock?: () => Date;
  /**
   * `callops state pull`: taking the lock writes back into the lockfile what the copy in
   * `.callops/` holds and it lacks, instead of refusing a lockfile that moved backwards.
   */
  readonly restore?: boolean;
  /** Aborts a journal commit held by the test failpoint (its requests are then never sent). */
  readonly signal?: AbortSignal;
  /** `state.keep`: expired entries of recurring calls are dropped from the view and files. */
  readonly retention?: Retention;
  /**
   * `callops state push`: the lockfile is taken to be imported into a database store. One
   * that moved backwards is refused with the way back through the file store, since
   * `callops state pull` then writes callops.lock from the database instead.
   */
  readonly pushing?: boolean;
  /** What the command does with the state, for what its refusals say it did not do (default `read`). */
  readonly use?: StateUse;
  /**
   * Says a warning a person must read (one line, without `warning: `): a key found placed
   * twice, under two sids, once the lockfile another writer changed is taken in.
   */
  readonly warn?: (message: string) => void;
  /** Told, once, of a problem of the lockfile that is no reason to refuse it (lockfile-sids.ts). */
  readonly warnDiagnostic?: (warning: Diagnostic) => void;
  /** Told the size of a lockfile about to be read in full (not through its index). */
  readonly readingWhole?: (bytes: number) => void;
}

/** The calls in lockfile order (by UTF-16 code unit, as serializeLockfile writes them). */
const sortedLock = (lock: Lockfile): Lockfile => ({
  ...lock,
  calls: Object.fromEntries(
    Object.keys(lock.calls)
      .sort()
      .map((key) => [key, lock.calls[key] as LockEntry]),
  ),
});

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The errors of a folder the command may not write (not a full disk): its mode, chattr +i, a read-only mount. */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The file store: callops.lock is the view, `.callops/journal.jsonl` the durable claims and
 * outcomes, `.callops/run.lock` the single-holder lock, `.callops/written.lock` the copy of
 * the lockfile as callops last wrote it. Only one runner at a time: claims and outcomes need
 * the run lock, held by this store. Taking it refuses a lockfile that moved backwards
 * (deleted, or replaced by an older copy), then folds a journal an earlier run left into the
 * lockfile (recoverJournal), so the view starts from what happened.
 *
 * A journal that cannot be written (a full disk) fails the claim and every later one: no
 * request leaves without its intent on disk. Outcomes recorded until then stay in memory and
 * reach the lockfile on persist(); the journal is cleared only once they are there.
 */
export const openFileStore = (options: FileStoreOptions): StateStore => {
  const { stateDir, lockPath } = options;
  const lockName = options.lockName ?? basename(lockPath);
  const clock = options.clock ?? (() => new Date());
  // A claim's time, without a Date for each while the millisecond is the same.
  const claimTime = options.clock === undefined ? isoClock() : () => clock().toISOString();
  const journalName = join(relative(dirname(stateDir), stateDir), JOURNAL_FILE);
  /** What the command does, for what a refusal of its journal says it did not do. */
  const use = options.use ?? 'read';
  let held: Held | undefined;
  /** Whether the lockfile was looked at for sids that two entries hold (warned once). */
  let sidsLookedAt = false;
  /** The view without the entries `state.keep` lets go (the lock itself when none). */
  const prune = (lock: Lockfile): Lockfile => {
    const { retention } = options;
    if (retention === undefined) return lock;
    const now = (retention.now ?? clock)();
    return pruneExpired(lock, {
      calls: retention.calls(),
      keepMs: retention.keepMs,
      now,
      ...(retention.each === undefined ? {} : { each: retention.each }),
    });
  };
  const lockOf = (h: Held): Lockfile => h.draft.lock;
  const setLock = (h: Held, lock: Lockfile): void => {
    h.draft = draftLock(lock, h.spool);
  };
  let releaseHeld: (() => Promise<void>) | undefined;

  /**
   * The lockfile as last read in full and the file it was read from (unchanged while it was
   * read): what lets a run index it with the copy when both hold the same bytes.
   */
  let readFrom: { readonly lock: Lockfile; readonly write: LockfileWrite } | undefined;

  const { readingWhole } = options;
  const readLock = async (options: { readonly indexed?: false } = {}): Promise<Lockfile> => {
    const indexed =
      options.indexed === false
        ? undefined
        : await indexedLockfile(stateDir, lockPath, writtenPath(stateDir));
    if (indexed !== undefined) return indexed;
    const before = await identityAt(lockPath);
    if (before !== undefined) readingWhole?.(Number(before.size));
    const read = await readLockfile(lockPath, { file: lockName });
    if ('error' in read) {
      const d = read.error;
      // A folder (or a FIFO) in its place: what callops needs there, and what to do.
      const notDone = undone();
      throw new Error(
        d.message === NOT_REGULAR_FILE
          ? `${whereOf(d)}: ${d.message}: callops records every call it placed in this file; move it away and put the lockfile back (from git or a backup), or leave the place empty if no call was ever placed from this project${notDone === undefined ? '' : `; ${notDone}`}`
          : `${whereOf(d)}: ${d.message}`,
      );
    }
    const bytes = bytesRead(read.lock);
    const after = await identityAt(lockPath);
    readFrom =
      bytes !== undefined && before !== undefined && after !== undefined && sameFile(before, after)
        ? { lock: read.lock, write: { bytes, identity: after } }
        : undefined;
    return read.lock;
  };

  /**
   * Index the lockfile as read in full with the copy, when the copy holds the same bytes
   * and neither changed since (a large lockfile rewritten by git, or an index removed).
   */
  const indexAsRead = async (lock: Lockfile): Promise<void> => {
    const copy = await identityAt(writtenPath(stateDir));
    const bytes = readFrom?.lock === lock ? readFrom.write.bytes : undefined;
    if (readFrom === undefined || bytes === undefined || copy === undefined) return;
    // Only bytes as callops writes them: a change keeps the entries it does not change as
    // the bytes they are (layered.ts), which must be those a write of every entry gives.
    if (!Buffer.from(serializeLockfile(lock), 'utf8').equals(bytes)) return;
    await writeIndex(stateDir, lock, readFrom.write, {
      bytes: readFrom.write.bytes,
      identity: copy,
    });
  };

  /** What a refusal left undone, by what the command does: "nothing was sent", or none to say. */
  const undone = (): string | undefined =>
    options.pushing === true ? 'nothing was imported' : nothingDone(options.use);

  /**
   * Refuse a lockfile older than the copy callops last wrote in `.callops/` (deleted, or
   * replaced by an older one): going on would place its missing calls again. Entries that
   * `state.keep` lets go are not missing; the memory they leave is, when the lockfile lacks
   * it (findMemoryRegression): its slots and the calls they rang would be forgotten. Returns
   * the copy as read. The refusal says what the command did not do (`use`): a command that
   * only reads (plan, status) would send nothing anyway, so it says what an apply would do
   * instead.
   */
  const refuseRegression = async (view: Lockfile): Promise<Lockfile | undefined> => {
    const written = await readWritten(stateDir, lockPath);
    const kept = written && prune(written);
    const keys = findRegression(kept, view);
    // The view let go as the copy is, only when its own memory lacks something: entries it
    // still holds become the memory the copy has.
    const memories =
      written === view || findMemoryRegression(kept, view).length === 0
        ? []
        : findMemoryRegression(kept, prune(view));
    if (keys.length === 0 && memories.length === 0) {
      if (options.warnDiagnostic !== undefined && !sidsLookedAt) {
        sidsLookedAt = true;
        const shared = await sharedSidWarning(view, lockPath, lockName);
        if (shared !== undefined) options.warnDiagnostic(shared);
      }
      return written;
    }
    const changed = changedSids(written, view, keys);
    const settled = unmarkedSettles(written, view, keys);
    const behind = keys.filter(
      (key) => !changed.some((c) => c.key === key) && !settled.includes(key),
    );
    const missing = await access(lockPath).then(
      () => false,
      () => true,
    );
    const count = plural(behind.length, 'placement', 'placements');
    const examples = (keys: readonly string[]) =>
      `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`;
    const memory = `the schedule memory recorded in .callops/ of ${plural(memories.length, 'call', 'calls')}`;
    const letGo = `the slots \`state.keep\` let go, and the calls their entries rang, which per-number limits count`;
    const what = [
      behind.length === 0
        ? undefined
        : missing
          ? `${lockName} is missing, but ${count} recorded in .callops/ say calls were placed here (${examples(behind)}).`
          : `${lockName} has moved backwards: ${count} recorded in .callops/ ${behind.length === 1 ? 'is' : 'are'} missing from ${lockName} or older there (${examples(behind)}).`,
      memories.length === 0
        ? undefined
        : behind.length > 0
          ? `So is ${memory} (${examples(memories)}): ${letGo}.`
          : missing
            ? `${lockName} is missing, but ${memory} says calls were placed here (${examples(memories)}): ${letGo}.`
            : `${lockName} has moved backwards: ${memory} is missing from ${lockName} or older there (${examples(memories)}): ${letGo}.`,
      changedSidsText(changed, lockName),
      unmarkedSettlesText(settled, lockName),
    ]
      .filter((part) => part !== undefined)
      .join(' ');
    const cause =
      behind.length > 0 || memories.length > 0
        ? 'It was likely deleted or replaced by an older copy (git checkout or revert, a stale CI cache)'
        : 'It was likely edited by hand, or replaced by another copy (a merge, git checkout)';
    const would = [
      behind.length > 0 ? 'place these calls again' : undefined,
      memories.length > 0
        ? 'forget calls whose entries were let go (a slot let go could be placed again, a number called past its per-number limit)'
        : undefined,
      behind.length === 0 && settled.length > 0
        ? 'place again a call that may have been placed'
        : undefined,
      behind.length === 0 && changed.length > 0
        ? 'lose the sid recorded for a placed call'
        : undefined,
    ]
      .filter((part) => part !== undefined)
      .join(', and ');
    // An unknown call is settled by `callops resolve`, which leaves its mark: once the entry
    // is back as recorded, that is the way to say it was not placed.
    const settle =
      settled.length === 0
        ? ''
        : `; then, once the gateway shows it was not placed (\`callops resolve --check\` asks it), settle it with \`callops resolve ${settled[0]} --not-placed\``;
    const pull = `\`callops state pull\` writes ${keys.length === 0 ? 'it' : 'them'} back into ${lockName}, keeping every entry it holds${settle}`;
    const notDone = undone();
    throw new Error(
      options.pushing === true
        ? `${what} ${cause}; the state database would ${would}, so ${notDone}. Set \`state:\` back to the file store (\`backend: file\`, or no \`state:\`) and run \`callops state pull\`: it writes them back into ${lockName}, keeping every entry it holds; then set \`state:\` to the database again and run \`callops state push\`.`
        : options.use === 'send'
          ? `${what} ${cause}; going on would ${would}, so ${notDone}. ${pull}; commit it then.`
          : `${what} ${cause}; an apply would ${would}${notDone === undefined ? '' : `, so ${notDone}`}. ${pull}; commit it then.`,
    );
  };

  /**
   * "cannot write the journal .callops/journal.jsonl: no space left on device (ENOSPC)", and
   * when the lines of the batch that failed could not be cut off, that too.
   */
  const journalFailure = (error: unknown): Error => {
    const code =
      error instanceof JournalWriteError ? error.code : (error as { code?: string }).code;
    const uncut = error instanceof JournalWriteError ? error.uncut : undefined;
    const nor =
      uncut === undefined
        ? ''
        : `, nor cut back to its last whole batch (${whyNotWritten(systemCode(uncut), uncut)}): its last lines may be there or not`;
    return new Error(
      `cannot write the journal ${journalName}: ${whyNotWritten(code, error)}${nor}`,
      { cause: error },
    );
  };

  /**
   * The failure a claim or an outcome whose journal line failed gives: MayBeWritten when the
   * line may be in the journal all the same (its batch could not be cut off).
   */
  const journalRefusal = (h: Held, error: unknown): Error => {
    h.journalError ??= journalFailure(error);
    return error instanceof JournalWriteError && error.uncut !== undefined
      ? new MayBeWritten(h.journalError)
      : h.journalError;
  };

  /**
   * A file that could not be replaced, named, with why: "cannot write callops.lock: no space
   * left on device (ENOSPC)". For the lockfile while the journal holds what it lacks, also
   * that nothing is lost. Any other error is returned as it is.
   */
  const writeFailure = async (error: unknown): Promise<unknown> => {
    if (!(error instanceof FileWriteError)) return error;
    const name = error.path === lockPath ? lockName : relative(dirname(stateDir), error.path);
    const failed = `cannot write ${name}: ${whyNotWritten(error.code, error)}`;
    const kept =
      error.path === lockPath &&
      (await access(journalPath(stateDir)).then(
        () => true,
        () => false,
      ));
    if (error.path !== lockPath) {
      // In `.callops/` only the copy (and its .gitignore) is written by a FileWriteError's
      // writer, always after the lockfile: what the run placed is there.
      return new Error(`${failed}; ${copyNotWritten(lockName)}`, { cause: error });
    }
    return new Error(
      kept
        ? `${failed}; nothing is lost: the journal ${journalName} keeps every record, and the next command records it once ${lockName} can be written`
        : failed,
      { cause: error },
    );
  };

  /** The run lock could not be taken for a system error (a read-only file system): said so. */
  const runLockFailure = (error: unknown): unknown => {
    const code = systemCode(error);
    if (code === undefined) return error;
    const folder = relative(dirname(stateDir), stateDir);
    const name = join(folder, RUN_LOCK_FILE);
    const notDone = undone();
    // A folder callops may not write: what to look at, as the system does not say which.
    const fix = UNWRITABLE.has(code)
      ? `: callops must be able to write in ${folder}/ (look at its permissions, an immutable flag, a read-only mount)`
      : '';
    return new Error(
      `cannot take the run lock ${name}: ${whyNotWritten(code, error)}${fix}${notDone === undefined ? '' : `; ${notDone}`}`,
      { cause: error },
    );
  };

  /**
   * Whether the run lock was lost (see Held's `lost`), as the error a claim gives from then
   * on: "the run lock .callops/run.lock was removed while this run held it …".
   */
  const lostLock = (h: Held): RunLockLost | undefined => {
    if (h.lockLost !== undefined) return h.lockLost;
    const lost = h.lost();
    if (lost !== undefined) {
      const name = join(relative(dirname(stateDir), stateDir), RUN_LOCK_FILE);
      h.lockLost = new RunLockLost(name, lost.holder, clock(), lost.moved);
    }
    return h.lockLost;
  };

  const mustHold = (what: string): Held => {
    if (held === undefined) {
      throw new Error(`the file store ${what} only while it holds the run lock (lock() first)`);
    }
    return held;
  };

  /** "sim/x1 holds two sids: …", once per key and pair of sids. */
  const warnTwice = (h: Held, key: string, kept: LockEntry, other: LockEntry): void => {
    const said = `${key}\u0000${kept.sid}\u0000${other.sid}`;
    if (h.warned.has(said)) return;
    h.warned.add(said);
    options.warn?.(
      `${key} holds two sids: ${kept.sid} at ${kept.at}, recorded here, and ${other.sid} at ${other.at} in ${lockName} as another writer left it (another run or host placed it too, or the file was edited); ${lockName} keeps the one recorded here, ${kept.sid}: check both with the gateway`,
    );
  };

  /**
   * The view, its entries all in memory. Entries still read on demand through the index
   * (nothing recorded into them yet) cannot be read from a lockfile replaced since: the
   * copy in `.callops/`, still as indexed, holds the same bytes, and is read instead.
   */
  const ownView = async (h: Held): Promise<Lockfile> => {
    const lock = lockOf(h);
    const summary = summaryOf(lock.calls);
    if (summary === undefined) return lock;
    const copy = await indexedCopy(stateDir, writtenPath(stateDir), lockPath);
    const from =
      copy !== undefined && summaryOf(copy.calls)?.count === summary.count
        ? copy.calls
        : lock.calls;
    return { ...lock, calls: { ...from } };
  };

  /**
   * Take in the lockfile another writer left, when it is no longer the file this run last
   * read or wrote (one stat): a `git pull` of placements made on another host, an older copy
   * put back, or another run's write once this one lost its run lock. Nothing is lost either
   * way (mergeLockfiles): this run's entries the file lacks are kept, entries the file adds
   * or moved on are taken, and the next persist writes the merged view. A key placed twice
   * is said (warn). True when the view changed.
   */
  const foldForeign = async (h: Held): Promise<boolean> => {
    const now = await identityAt(lockPath);
    if (now === undefined ? h.seen === undefined : h.seen !== undefined && sameFile(now, h.seen))
      return false;
    let theirs: Lockfile;
    try {
      // Read whole: kept as what the file holds, it must not depend on the file staying.
      theirs = now === undefined ? emptyLockfile() : await readLock({ indexed: false });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Error(
        `${lockName} was changed by another writer while this run held it, and cannot be read: ${why}; nothing is lost: .callops/ keeps what this run recorded (its journal and written.lock), and the next command takes it in once ${lockName} can be read`,
        { cause: error },
      );
    }
    const ours = await ownView(h);
    const merged = mergeLockfiles(ours, theirs);
    h.seen = now;
    // What the file holds now: the next persist writes the merged view over it if it differs.
    h.lastWritten = theirs;
    // A copy read through the index reads the lockfile's bytes while both were the same: not
    // now. Taken as none, it is written again with the next persist.
    if (h.copy !== undefined && summaryOf(h.copy.calls) !== undefined) h.copy = undefined;
    for (const t of merged.twice) warnTwice(h, t.key, t.kept, t.other);
    if (merged.lock === lockOf(h)) return false;
    setLock(h, merged.lock);
    // Built again from the merged view on the next limited claim.
    h.numbers = undefined;
    return merged.lock !== ours;
  };

  const reread = async (): Promise<boolean> => (held === undefined ? false : foldForeign(held));

  const persist = async (): Promise<void> => {
    const h = held;
    if (h === undefined) return;
    try {
      await persistHeld(h);
    } catch (error) {
      h.persistFailed = true;
      throw error;
    }
  };

  const persistHeld = async (h: Held): Promise<void> => {
    // A run whose lock file was removed or replaced still writes what it placed into the
    // lockfile, but the journal and the copy in `.callops/` may be another run's by now.
    const lost = lostLock(h);
    // The folder moved: its old path is no longer this project (a write there would make a
    // folder of it). The journal, open in the folder where it is now, keeps what this run
    // placed, as after a crash, and the next command there folds it in.
    if (lost?.moved !== undefined) {
      const kept = h.journal !== undefined || !lockfileChanged(h.lastWritten, lockOf(h));
      if (kept && h.journalError === undefined) return;
      throw lost;
    }
    const mine = lost === undefined;
    // Never over another writer's entries: the file as they left it is merged in first.
    await foldForeign(h);
    const base = lockOf(h);
    const current = base === h.pruned ? base : prune(base);
    if (current !== base) setLock(h, current);
    h.pruned = current;
    if (lockfileChanged(h.lastWritten, current)) {
      try {
        await forgetIndex(stateDir);
        h.lastWrite = { lock: current, write: await writeLockfileAtomic(lockPath, current) };
        h.seen = h.lastWrite.write.identity;
      } catch (error) {
        if (h.journalError === undefined) throw await writeFailure(error);
        // The journal keeps what it holds; the next command folds it in.
        throw new Error(
          `${lockName} could not be written either (${error instanceof Error ? error.message : String(error)}): the next command records what the journal holds`,
          { cause: error },
        );
      }
      h.lastWritten = current;
    }
    // An open claim's intent must stay on disk until its outcome is: keep the journal then.
    if (h.open.size > 0 || !mine) return;
    if (h.journal) {
      const journal = h.journal;
      h.journal = undefined;
      await journal.close().catch(() => undefined);
    }
    await clearJournal(stateDir, lockName);
    // After the journal is cleared (which frees the room a full disk needs for the copy).
    if (h.copy !== undefined && !lockfileChanged(h.copy, current)) return;
    // The lockfile this run wrote, else the one it read and left as it is when it holds the
    // bytes the copy is to hold: both are indexed then.
    let lockfile = h.lastWrite?.lock === current ? h.lastWrite.write : undefined;
    if (lockfile === undefined && h.lastWrite === undefined && readFrom?.lock === h.lastWritten) {
      // Its bytes read again (not held since it was read), while it is still that file.
      const read = await readIfUnchanged(lockPath, readFrom.write.identity);
      const bytes =
        read === undefined ? undefined : Buffer.from(serializeLockfile(current), 'utf8');
      if (read !== undefined && bytes?.equals(read) === true) {
        lockfile = { bytes: read, identity: readFrom.write.identity };
      }
    }
    await writeCopy(stateDir, current, lockfile, lockPath).then(
      () => {
        h.copy = current;
      },
      async (error: unknown) => {
        // An older copy only makes a newer lockfile look newer, which is accepted.
        if (h.journalError === undefined) throw await writeFailure(error);
      },
    );
  };

  const lock = async (who: { command: string; now: Date }): Promise<LockResult> => {
    if (held) throw new Error('the file store already holds the run lock');
    const acquired = await acquireRunLock(stateDir, who, lockPath).catch((error: unknown) => {
      throw runLockFailure(error);
    });
    if (!acquired.ok) return acquired;
    let restored: readonly string[] = [];
    let remembered: readonly string[] = [];
    let recorded = false;
    let conflict: ConflictMerged | undefined;
    let recovered: { placed: number; failed: number; unknown: number };
    try {
      // A command started before `state push` moved the state to a database (a receiver, a
      // run) takes the lock again after it: callops.lock is no longer the state, and what it
      // wrote there would be lost to the database. Under the lock, as the push writes the
      // marker under it too.
      if (options.pushing !== true) await refuseMoved(stateDir, lockName, options.use);
      // `lockfile: state/callops.lock` may name a folder that does not exist yet.
      await mkdir(dirname(lockPath), { recursive: true });
      // Before it is read: a change made while it is read is seen (and taken in) later.
      let seen = await identityAt(lockPath);
      // `state pull` resolves a lockfile git left conflicting: both sides merged, as two
      // writers' lockfiles are, so that neither side's placements are lost (the entries of
      // this clone's side placed elsewhere are in no .callops/ here).
      if (options.restore === true) {
        const merged = await readConflictedLockfile(lockPath, lockName);
        if (merged !== undefined && 'error' in merged) {
          throw new Error(`${whereOf(merged.error)}: ${merged.error.message}`);
        }
        conflict = merged;
        for (const t of merged?.twice ?? []) {
          options.warn?.(
            `${t.key} holds two sids, one on each side of the conflict in ${lockName}: ${t.kept.sid} at ${t.kept.at} (the side of \`${merged?.ours.marker}\`) and ${t.other.sid} at ${t.other.at}; ${lockName} keeps ${t.kept.sid}, unless .callops/ here recorded the other: check both with the gateway`,
          );
        }
      }
      let current = conflict?.lock ?? (await readLock());
      let copy: Lockfile | undefined;
      if (options.restore === true) {
        copy = await readWritten(stateDir, lockPath);
        recorded = copy !== undefined;
        ({ lock: current, restored, remembered } = mergeWritten(current, copy));
        if (conflict !== undefined || restored.length > 0 || remembered.length > 0) {
          seen = (await saveLockfile(stateDir, lockPath, current)).identity;
          copy = current;
        }
      } else {
        copy = await refuseRegression((await replayJournal(stateDir, current, { use })).lock);
      }
      const result = await recoverJournal(stateDir, lockPath, current, use);
      recovered = result.folded;
      // recoverJournal writes both files only when the journal changed the lock.
      const changed = result.lock !== current && lockfileChanged(current, result.lock);
      if (recovered.placed + recovered.failed + recovered.unknown > 0) recorded = true;
      const pruned = prune(result.lock);
      // A large run keeps its placed entries in a file until the lockfile is written.
      const spool = packingPlacedEntries() ? openSpool(stateDir) : undefined;
      held = {
        draft: draftLock(pruned, spool),
        ...(spool && { spool }),
        pruned,
        lastWritten: changed ? result.lock : current,
        copy: changed
          ? result.lock
          : copy === undefined
            ? emptyLockfile()
            : copy === current || !lockfileChanged(copy, current)
              ? current
              : undefined,
        journal: undefined,
        open: new Map(),
        lost: acquired.lost,
        seen: result.written?.identity ?? seen,
        warned: new Set(),
      };
      // The copy read as the very lock read from the lockfile: the same bytes.
      if (!changed && copy === current) await indexAsRead(current);
      // Neither file's bytes are held from here on (100,000 entries: 34 MiB each).
      forgetLastRead();
      if (readFrom !== undefined) {
        readFrom = { lock: readFrom.lock, write: { identity: readFrom.write.identity } };
      }
    } catch (error) {
      await acquired.release();
      throw await writeFailure(error);
    }
    const release = async (): Promise<void> => {
      if (held === undefined) return;
      // A failure persist() gave before was said then: the same failure again would hide it.
      const said = held.persistFailed === true;
      try {
        await persist();
      } catch (error) {
        if (!said) throw error;
      } finally {
        await held?.journal?.close().catch(() => undefined);
        held = undefined;
        releaseHeld = undefined;
        await acquired.release();
      }
    };
    releaseHeld = release;
    const h = held;
    // What receivers answered 204 for and could not record (a run held this lock, or they
    // were stopped first): recorded now, made durable, and the spools of those gone removed.
    let received: number;
    try {
      received = await recordReceived(stateDir, { view: async () => lockOf(h), observe, persist });
    } catch (error) {
      await release().catch(() => undefined);
      throw error;
    }
    return {
      ok: true,
      holder: acquired.holder,
      ...(acquired.tookOver ? { tookOver: acquired.tookOver } : {}),
      ...(received > 0 && { received }),
      lost: () => {
        const lost = held === h ? lostLock(h) : undefined;
        return (
          lost && {
            ...(lost.holder && { holder: lost.holder }),
            why: lost.message,
            ...(lost.moved !== undefined && { moved: true as const }),
          }
        );
      },
      recovered,
      restored,
      ...(options.restore === true && { recorded }),
      ...(remembered.length > 0 && { remembered }),
      ...(conflict !== undefined && { conflict }),
      release,
    };
  };

  const viewOf = (h: Held): StateView => {
    const inFlight = [...h.open.values()].map((c) => ({
      outcome: {
        key: c.key,
        status: 'unknown' as const,
        at: c.at ?? clock().toISOString(),
        message: IN_FLIGHT,
      },
      meta: {
        definition: c.definition,
        file: c.file,
        ...(c.number === undefined ? {} : { number: c.number }),
        ...(c.gateway === undefined ? {} : { gateway: c.gateway }),
      },
    }));
    return { lock: recordOutcomes(lockOf(h), inFlight), inFlight: new Set(h.open.keys()) };
  };

  const read = async (): Promise<StateView> => {
    if (held) return viewOf(held);
    // Read-only: a journal left by another run is folded in memory, its open intents unknown:
    // in flight while that run still holds the run lock, else left by a crash.
    const live = await runGoingOn(stateDir);
    const { lock: folded, inFlight } = await replayJournal(stateDir, await readLock(), {
      live,
      use,
    });
    await refuseRegression(folded);
    // And what receivers accepted and could not record yet, as the next run records it.
    const received = withReceived(folded, await readReceived(stateDir));
    return { lock: prune(received), inFlight: inFlight ?? new Set() };
  };

  const numbersOf = (h: Held): NumberIndex => {
    if (h.numbers) return h.numbers;
    const index = numberIndex();
    const add = (number: string, key: string, atMs: number): void => {
      const known = callTime(index, number, key);
      setCall(index, number, key, known === undefined ? atMs : Math.max(atMs, known));
    };
    const { lock } = viewOf(h);
    for (const [key, entry] of Object.entries(lock.calls)) {
      // A call `--replace` placed again rang too, a call of its own: kept under a name no
      // claim has, so that it counts for every key, its own as well.
      entry.history?.forEach((previous, i) => {
        if (previous.number !== undefined) {
          add(previous.number, `${key}\u0000${i}`, Date.parse(previous.at));
        }
      });
      if (entry.number === undefined || !countsTowardLimit(entry.status)) continue;
      add(entry.number, key, Date.parse(entry.at));
    }
    // The calls whose entries `state.keep` let go, as the memory keeps them: under names no
    // key has, so that they count for every claim.
    let i = 0;
    for (const [number, atMs] of rangTimes(lock)) add(number, `\u0000rang\u0000${i++}`, atMs);
    h.numbers = index;
    return index;
  };
  /** Keep the per-number index in step with a key's entry (or its absence). */
  const track = (h: Held, key: string, number: string | undefined, atMs?: number): void => {
    if (h.numbers === undefined || number === undefined) return;
    if (atMs === undefined) deleteCall(h.numbers, number, key);
    else setCall(h.numbers, number, key, atMs);
  };

  const claim = async (c: Claim): Promise<ClaimResult> => {
    const h = mustHold('claims calls');
    if (h.journalError) throw h.journalError;
    // The run lock is looked at after every commit of intents (run also before each batch).
    if (h.lockLost !== undefined) throw h.lockLost;
    // Not lockOf(h): that ends the draft's batch, and the next outcome would copy every entry.
    const entry = h.draft.entry(c.key);
    if (!h.open.has(c.key)) {
      // A replacement claims only the placed call its plan named. The run lock keeps another
      // runner from changing the entry between this run's plan and its claim; checked all
      // the same, as the Postgres store must.
      if (c.replace === true) {
        if (entry?.status !== 'placed' || entry.sid !== c.replaces) return false;
      } else {
        if (entry?.status === 'placed') return { recorded: 'placed' };
        if (entry?.status === 'unknown' && c.retryUnknown !== true) return { recorded: 'unknown' };
      }
    }
    const at = c.at ?? claimTime();
    if (c.limit !== undefined && c.number !== undefined) {
      const since = Date.parse(at) - c.limit.windowMs;
      let taken = 0;
      // The key's own placed call counts for its replacement (another call of the number);
      // never for a retry of the key's own claim (the same placement).
      const own = c.replace === true && entry?.status === 'placed' && !h.open.has(c.key);
      for (const [key, atMs] of callsOf(numbersOf(h), c.number)) {
        if ((key !== c.key || own) && atMs > since) taken++;
      }
      if (taken >= c.limit.count) return 'limited';
    }
    // The slot is taken before the journal is awaited, so that claims made together count
    // each other; it is given back when the claim cannot be made durable.
    const before =
      c.number === undefined || h.numbers === undefined
        ? undefined
        : callTime(h.numbers, c.number, c.key);
    if (h.numbers !== undefined) track(h, c.key, c.number, Date.parse(at));
    try {
      if (h.journal === undefined) {
        h.opening ??= openJournal(stateDir, {
          clock,
          ...(options.signal ? { signal: options.signal } : {}),
          // Once the lock is another's (or no one's), a run taking it reads these intents in
          // the journal: none is sent that such a run could not see.
          beforeRelease: () => lostLock(h),
        });
        const opening = h.opening;
        h.journal = await opening.finally(() => {
          if (h.opening === opening) h.opening = undefined;
        });
      }
      // One shape for every intent (absent fields undefined): the line leaves them out.
      await h.journal.intent({
        key: c.key,
        target: c.target,
        attempt: c.attempt,
        definition: c.definition,
        file: c.file,
        number: c.number,
        gateway: c.gateway,
        replace: c.replace === true ? true : undefined,
        at,
      });
    } catch (error) {
      track(h, c.key, c.number, before);
      if (error instanceof RunLockLost) {
        // Its intent is written, its request never leaves: closed as not sent, so that whoever
        // folds this journal finds the call still due rather than one that may have rung. A
        // retry's or a replacement's intent stays open (unknown): the key had an entry before.
        if (!h.open.has(c.key) && c.replace !== true) {
          await h.journal
            ?.outcome({
              key: c.key,
              status: 'failed',
              at,
              message: NOT_SENT_LOCK_LOST,
              definition: c.definition,
              file: c.file,
              ...(c.number === undefined ? {} : { number: c.number }),
              ...(c.gateway === undefined ? {} : { gateway: c.gateway }),
            })
            .catch(() => undefined);
        }
        throw error;
      }
      const refusal = journalRefusal(h, error);
      // Its intent may be in the journal: held as a claim this run made, which it gives up
      // (its request never leaves), so that the journal is kept and no line says still due.
      if (refusal instanceof MayBeWritten) h.open.set(c.key, c.at === at ? c : { ...c, at });
      throw refusal;
    }
    h.open.set(c.key, c.at === at ? c : { ...c, at });
    return true;
  };

  /** Write the outcome line; a failure is kept (it ends claiming) and reported. */
  const journalOutcome = async (h: Held, outcome: Outcome & DefinitionMeta): Promise<void> => {
    if (h.journal === undefined) return;
    try {
      await h.journal.outcome(outcome);
    } catch (error) {
      throw journalRefusal(h, error);
    }
  };

  const record = async (outcome: Outcome & DefinitionMeta): Promise<void> => {
    const h = mustHold('records outcomes');
    if (outcome.status === 'missed') return;
    if (!h.open.has(outcome.key)) {
      throw new NotClaimed(
        `${outcome.key} was not claimed by this run: its outcome is not recorded`,
      );
    }
    try {
      recordInView(h, outcome);
    } catch (error) {
      // The view cannot take it (its lockfile can no longer be read): the journal still
      // does, once however often it is tried again, and the next command records it from
      // there. The claim stays open, so the journal is kept.
      // Said so, for its line not to ask anyone to settle it.
      h.journaledAside ??= new Set();
      if (!h.journaledAside.has(outcome.key)) {
        if (h.journal === undefined) throw error;
        await journalOutcome(h, outcome);
        h.journaledAside.add(outcome.key);
      }
      throw new OutcomeJournaled(lockName, journalName, error);
    }
    if (h.journaledAside?.delete(outcome.key) !== true) await journalOutcome(h, outcome);
  };

  /** The outcome in the view at once, whether or not its journal line makes it: persist() writes it. */
  const recordInView = (h: Held, outcome: Outcome & DefinitionMeta): void => {
    const was = h.draft.entry(outcome.key);
    if (
      outcome.status === 'placed' &&
      was?.status === 'placed' &&
      was.sid !== outcome.sid &&
      outcome.replace !== true
    ) {
      // Placed elsewhere while this run placed it (taken in from the lockfile meanwhile).
      const mine = entryOf(outcome as Outcome & { readonly status: 'placed' }, outcome);
      const { keep, twice } = pickEntry(mine, was);
      if (twice) warnTwice(h, outcome.key, keep, keep === mine ? was : mine);
      if (keep === mine) {
        const lock = lockOf(h);
        setLock(h, { ...lock, calls: { ...lock.calls, [outcome.key]: mine } });
      }
    }
    h.draft.record(outcome, outcome);
    h.open.delete(outcome.key);
    // The per-number index exists only once a limited claim was made.
    if (h.numbers !== undefined) {
      const now = h.draft.entry(outcome.key);
      track(
        h,
        outcome.key,
        outcome.number,
        now !== undefined && countsTowardLimit(now.status) ? Date.parse(now.at) : undefined,
      );
    }
  };

  const abandon = async (outcome: Outcome & DefinitionMeta): Promise<void> => {
    const h = mustHold('abandons claims');
    const open = h.open.get(outcome.key);
    if (!h.open.delete(outcome.key)) return;
    const before = h.draft.entry(outcome.key);
    track(
      h,
      outcome.key,
      open?.number,
      before?.number === open?.number && before !== undefined && countsTowardLimit(before.status)
        ? Date.parse(before.at)
        : undefined,
    );
    // Closes the intent in the journal; the lockfile gets no entry: the call is still due.
    await journalOutcome(h, outcome);
  };

  const remember = async (
    schedules: Readonly<Record<string, ScheduleMemory>> | undefined,
  ): Promise<void> => {
    const h = mustHold('remembers schedules');
    if (schedules === undefined) return;
    setLock(h, { ...lockOf(h), schedules });
  };

  const observe = async (updates: readonly Observation[]): Promise<readonly string[]> => {
    const h = mustHold('records what became of calls');
    const next = withOutcomes(lockOf(h), updates);
    if (next.changed.length > 0) setLock(h, next.lock);
    return next.changed;
  };

  const settle = async (key: string, settlement: Settlement): Promise<void> => {
    const h = mustHold('settles entries');
    const next = settleUnknown(lockOf(h), key, settlement);
    if ('error' in next) throw new Error(next.error);
    setLock(h, next);
    // Placed keeps counting toward per-number limits at the attempt's time; failed does not.
    const settled = next.calls[key];
    if (settled !== undefined)
      track(
        h,
        key,
        settled.number,
        countsTowardLimit(settled.status) ? Date.parse(settled.at) : undefined,
      );
  };

  const importInto = async (
    h: Held,
    incoming: Lockfile,
    options: ImportOptions,
  ): Promise<ImportResult> => {
    const before = lockOf(h);
    const planned = planImport(before, incoming, options);
    const histories = Object.entries(planned.histories);
    if (Object.keys(planned.added).length > 0 || histories.length > 0) {
      const calls = { ...before.calls, ...planned.added };
      for (const [key, history] of histories) {
        const entry = calls[key];
        if (entry !== undefined) calls[key] = { ...entry, history };
      }
      setLock(h, { ...before, calls });
      await persist();
    }
    return planned.result;
  };

  const importLock = async (
    incoming: Lockfile,
    options: ImportOptions = {},
  ): Promise<ImportResult> => {
    if (held) return importInto(held, incoming, options);
    const now = clock();
    const taken = await lock({ command: 'callops state push', now });
    if (!taken.ok) {
      throw new Error(runLockInUse(lockName, taken.holder, clock()));
    }
    try {
      return await importInto(mustHold('imports'), incoming, options);
    } finally {
      await taken.release();
    }
  };

  return {
    backend: 'file',
    concurrentRunners: false,
    read,
    reread,
    recordReceived: async () => {
      const h = held;
      if (h === undefined) return 0;
      return recordReceived(stateDir, { view: async () => lockOf(h), observe, persist });
    },
    claim,
    record,
    abandon,
    observe,
    remember,
    settle,
    lock,
    persist,
    export: async () => sortedLock((await read()).lock),
    import: importLock,
    close: async () => {
      await releaseHeld?.();
    },
  };
};
