import { lstat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { whereOf } from '../config/diagnostics.js';
import { isErrorCode, JOURNAL_FILE, journalPath } from './dir.js';
import { indexedLockfile } from './lock-index.js';
import { readLockfile } from './lockfile.js';
import { readConflictedLockfile } from './lockfile-conflict.js';
import { replayJournal } from './replay.js';
import type { StateUse } from './store.js';
import type { Lockfile } from './types.js';

/**
 * A database store is the state, yet the project may still hold a lockfile (and a journal in
 * `.callops/`) that the file store wrote, or that was committed beside another database. An
 * entry there placed or unknown whose key the database has no row of at all would be placed
 * again by apply, and dropped by `state pull`: the state would move backwards without a
 * word. So a command that plans, places or writes the lockfile view first compares the two.
 */
export interface LockfileSite {
  readonly stateDir: string;
  readonly lockPath: string;
  readonly lockName: string;
  /** What the command does with the state: what the refusal says it did not do. */
  readonly use?: StateUse;
  /** `callops state pull`: it would write the lockfile from the database. */
  readonly pulling?: boolean;
}

/**
 * Of `keys`, those the database has no row of, in their order: rows its view leaves out
 * after `state.keep` count as held (the database keeps them).
 */
export type Lacking = (keys: readonly string[]) => Promise<readonly string[]>;

/** Whether `.callops/` holds a journal (a run of the file store was cut short). */
const hasJournal = async (stateDir: string): Promise<boolean> => {
  try {
    await lstat(journalPath(stateDir));
    return true;
  } catch (error) {
    if (isErrorCode(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
};

/**
 * The lockfile as the file store would read it, without its run lock: through the index
 * while it is the file callops wrote (keys listed, no entry parsed), else read in full once.
 * An absent lockfile is empty; one that cannot be read is refused, since it may hold
 * placements.
 */
/** Locks lockfileOf merged from the two sides of a git conflict (push refuses the markers). */
const conflicted = new WeakSet<Lockfile>();

const lockfileOf = async (site: LockfileSite): Promise<Lockfile> => {
  const indexed = await indexedLockfile(site.stateDir, site.lockPath);
  if (indexed !== undefined) return indexed;
  // `state pull` writes the lockfile from the database, which resolves a conflict git left
  // in it: only when the database holds every placement of both sides.
  if (site.pulling === true) {
    const merged = await readConflictedLockfile(site.lockPath, site.lockName);
    if (merged !== undefined && 'error' in merged) {
      throw new Error(`${whereOf(merged.error)}: ${merged.error.message}`);
    }
    if (merged !== undefined) {
      conflicted.add(merged.lock);
      return merged.lock;
    }
  }
  const read = await readLockfile(site.lockPath, { file: site.lockName });
  if ('error' in read) {
    const d = read.error;
    throw new Error(
      `${whereOf(d)}: ${d.message}; it may hold calls placed and not in the state database, so it is compared with the database before anything is done, and nothing was${site.use === 'send' ? ' sent' : ' done'}. If it is stale for this database, move it away`,
    );
  }
  return read.lock;
};

/** Whether `lock` holds `key` as a call that may have rung: placed, or unknown. */
const isRecorded = (lock: Lockfile, key: string): boolean => {
  const status = lock.calls[key]?.status;
  return status === 'placed' || status === 'unknown';
};

const entries = (n: number) => `${n} entr${n === 1 ? 'y' : 'ies'}`;

/**
 * Refuse when the project's lockfile, with what a journal in `.callops/` adds to it, holds a
 * placed or unknown entry whose key the database lacks. Entries the database holds, whatever
 * their status there, are fine: the database is the state. Reads only; takes no lock.
 */
export const refuseLockfileAhead = async (site: LockfileSite, lacking: Lacking): Promise<void> => {
  const file = await lockfileOf(site);
  let lock = file;
  let journal = false;
  if (await hasJournal(site.stateDir)) {
    const replayed = await replayJournal(site.stateDir, file);
    const { placed, failed, unknown } = replayed.folded;
    journal = placed + failed + unknown > 0;
    lock = replayed.lock;
  }
  const keys = Object.keys(lock.calls);
  if (keys.length === 0) return;
  // Statuses are looked up only for the keys the database lacks: usually none.
  const ahead = (await lacking(keys)).filter((key) => isRecorded(lock, key));
  if (ahead.length === 0) return;
  const { lockName } = site;
  const journalName = `the journal ${join(basename(site.stateDir), JOURNAL_FILE)} (left by a run that was interrupted)`;
  const inFile = !journal || ahead.some((key) => isRecorded(file, key));
  const source = !journal ? lockName : inFile ? `${lockName} and ${journalName}` : journalName;
  const verb = journal && inFile ? 'hold' : 'holds';
  const [first] = ahead;
  const example = ahead.length === 1 ? `(${first})` : `(${first} among them)`;
  const what = `${source} ${verb} ${entries(ahead.length)} (placed or unknown) the state database does not hold ${example}: recorded by the file store, or beside another database, and never imported into this one.`;
  const notDone = site.pulling
    ? `Writing ${lockName} from the database would drop them, so ${lockName} was not written.`
    : site.use === 'send'
      ? 'Going on would place these calls again, so nothing was sent.'
      : site.use === 'record'
        ? 'An apply would place these calls again, so nothing was recorded.'
        : 'An apply would place these calls again.';
  const resolved = conflicted.has(file)
    ? ` once ${lockName} holds no conflict markers (resolved by hand, keeping the entries of both sides)`
    : '';
  const push = journal
    ? `\`callops state push\` imports them${resolved} (it records the journal into ${lockName} first)`
    : `\`callops state push\` imports them${resolved}`;
  const away = journal
    ? `if they are truly stale for this database, move ${inFile ? `${lockName} and ` : ''}.callops/ away`
    : `if ${lockName} is truly stale for this database, move it away`;
  throw new Error(`${what} ${notDone} ${push}; ${away}.`);
};
