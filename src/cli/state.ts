import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { readLockfile } from '../state/lockfile.js';
import { recoverJournal, replayJournal } from '../state/replay.js';
import { acquireRunLock, describeHolder, livenessOf, lockAdvice } from '../state/runlock.js';
import type { Lockfile } from '../state/types.js';
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

/** Read-only view for plan/status: the lockfile with any journal folded in memory. */
export const readStateView = async (paths: StatePaths): Promise<Lockfile> =>
  (await replayJournal(paths.stateDir, await readLock(paths))).lock;

export interface HeldState {
  readonly lock: Lockfile;
  /** Entries a crashed earlier run left, folded now. */
  readonly recovered: {
    readonly placed: number;
    readonly failed: number;
    readonly unknown: number;
  };
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
    const result = await recoverJournal(paths.stateDir, paths.lockPath, await readLock(paths));
    const { folded } = result;
    if (folded.unknown > 0 || folded.placed > 0 || folded.failed > 0) {
      ctx.stderr.write(
        `note: recorded what an interrupted run left in its journal: ${folded.placed} placed, ${folded.failed} failed, ${folded.unknown} unknown${folded.unknown > 0 ? ' (settle unknown ones with `callops resolve` or `apply --retry-unknown`)' : ''}\n`,
      );
    }
    return { lock: result.lock, recovered: folded, release: acquired.release };
  } catch (error) {
    await acquired.release();
    throw error;
  }
};
