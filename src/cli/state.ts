import { access, mkdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { JOURNAL_FILE } from '../state/dir.js';
import { JournalWriteError } from '../state/journal.js';
import { readLockfile } from '../state/lockfile.js';
import { recoverJournal, replayJournal } from '../state/replay.js';
import { acquireRunLock, describeHolder, livenessOf, lockAdvice } from '../state/runlock.js';
import type { Lockfile } from '../state/types.js';
import { findRegression, mergeWritten, readWritten, saveLockfile } from '../state/written.js';
import type { ProjectConfig } from '../validate/model.js';
import type { CommandContext } from './context.js';
import { CliError, EXIT } from './exit.js';

export const stateDirOf = (root: string): string => join(root, '.callops');

export interface StatePaths {
  readonly stateDir: string;
  readonly lockPath: string;
  /** The lockfile's name as shown to users (relative to the root). */
  readonly lockName: string;
}

export const statePaths = (config: Pick<ProjectConfig, 'root' | 'lockfile'>): StatePaths => ({
  stateDir: stateDirOf(config.root),
  lockPath: join(config.root, config.lockfile),
  lockName: config.lockfile,
});

const readLock = async (paths: StatePaths): Promise<Lockfile> => {
  const read = await readLockfile(paths.lockPath, { file: paths.lockName });
  if ('error' in read) {
    const d = read.error;
    throw new CliError(`${d.file}:${d.line}:${d.column}: ${d.message}`);
  }
  return read.lock;
};

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Refuse a lockfile older than the copy callops last wrote in `.callops/` (deleted, or
 * replaced by an older one): going on would place its missing calls again.
 */
const refuseRegression = async (paths: StatePaths, view: Lockfile): Promise<void> => {
  const keys = findRegression(await readWritten(paths.stateDir), view);
  if (keys.length === 0) return;
  const missing = await access(paths.lockPath).then(
    () => false,
    () => true,
  );
  const count = plural(keys.length, 'placement', 'placements');
  const examples = `${keys.slice(0, 3).join(', ')}${keys.length > 3 ? ', …' : ''}`;
  const what = missing
    ? `${paths.lockName} is missing, but ${count} recorded in .callops/ say calls were placed here (${examples}).`
    : `${paths.lockName} has moved backwards: ${count} recorded in .callops/ ${keys.length === 1 ? 'is' : 'are'} missing from ${paths.lockName} or older there (${examples}).`;
  throw new CliError(
    `${what} It was likely deleted or replaced by an older copy (git checkout or revert, a stale CI cache); going on would place these calls again, so nothing was sent. \`callops state pull\` writes them back into ${paths.lockName}, keeping every entry it holds; commit it then.`,
  );
};

/** Read-only view for plan/status: the lockfile with any journal folded in memory. */
export const readStateView = async (paths: StatePaths): Promise<Lockfile> => {
  const { lock } = await replayJournal(paths.stateDir, await readLock(paths));
  await refuseRegression(paths, lock);
  return lock;
};

export interface HeldState {
  readonly lock: Lockfile;
  /** Entries a crashed earlier run left, folded now. */
  readonly recovered: {
    readonly placed: number;
    readonly failed: number;
    readonly unknown: number;
  };
  /** Keys written back from `.callops/` (`pull` only). */
  readonly restored: readonly string[];
  release(): Promise<void>;
}

/**
 * Takes the run lock (refusing at once, exit 75, when another run holds it), then folds a
 * journal an earlier run left into the lockfile before anything else reads it.
 */
export const holdState = async (
  ctx: CommandContext,
  paths: StatePaths,
  command: string,
  options: { readonly pull?: boolean } = {},
): Promise<HeldState> => {
  const acquired = await acquireRunLock(paths.stateDir, { command, now: new Date() });
  if (!acquired.ok) {
    throw new CliError(
      `${paths.lockName} is in use: ${describeHolder(acquired.holder, new Date())}. ${lockAdvice(acquired.holder, livenessOf(acquired.holder))}`,
      EXIT.locked,
    );
  }
  if (acquired.tookOver) {
    ctx.stderr.write(
      `note: took over a stale run lock (${describeHolder(acquired.tookOver, new Date())}; that process is gone)\n`,
    );
  }
  try {
    // `lockfile: state/callops.lock` may name a directory that does not exist yet: create it
    // now, so that the lockfile can be written after calls were placed.
    await mkdir(dirname(paths.lockPath), { recursive: true });
    let lock = await readLock(paths);
    let restored: readonly string[] = [];
    if (options.pull === true) {
      ({ lock, restored } = mergeWritten(lock, await readWritten(paths.stateDir)));
      if (restored.length > 0) await saveLockfile(paths.stateDir, paths.lockPath, lock);
    } else {
      await refuseRegression(paths, (await replayJournal(paths.stateDir, lock)).lock);
    }
    const result = await recoverJournal(paths.stateDir, paths.lockPath, lock);
    const { folded } = result;
    if (folded.unknown > 0 || folded.placed > 0 || folded.failed > 0) {
      ctx.stderr.write(
        `note: recorded what an interrupted run left in its journal: ${folded.placed} placed, ${folded.failed} failed, ${folded.unknown} unknown${folded.unknown > 0 ? ' (settle unknown ones with `callops resolve` or `apply --retry-unknown`)' : ''}\n`,
      );
    }
    return { lock: result.lock, recovered: folded, restored, release: acquired.release };
  } catch (error) {
    await acquired.release();
    throw error;
  }
};

const SYSTEM_ERRORS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** "cannot write the journal .callops/journal.jsonl: no space left on device (ENOSPC); 3 calls not sent" */
export const journalFailure = (
  paths: StatePaths,
  error: unknown,
  notSent: number,
  lockError: unknown,
): Error => {
  const code = error instanceof JournalWriteError ? error.code : (error as { code?: string }).code;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const why =
    code !== undefined && SYSTEM_ERRORS[code] !== undefined
      ? `${SYSTEM_ERRORS[code]} (${code})`
      : cause instanceof Error
        ? cause.message
        : String(cause);
  const journal = join(relative(dirname(paths.stateDir), paths.stateDir), JOURNAL_FILE);
  const calls = `${notSent} call${notSent === 1 ? '' : 's'} not sent`;
  const lock =
    lockError === undefined
      ? ''
      : `; ${paths.lockName} could not be written either (${lockError instanceof Error ? lockError.message : String(lockError)}): the next command records what the journal holds`;
  return new Error(`cannot write the journal ${journal}: ${why}; ${calls}${lock}`, {
    cause: error,
  });
};
