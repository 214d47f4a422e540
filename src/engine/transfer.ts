import { join } from 'node:path';
import { lookUp } from '../config/exists.js';
import { writeLockfileAtomic } from '../state/lockfile.js';
import type { ConflictMerged } from '../state/lockfile-conflict.js';
import { clearMoved, MOVED_NAME } from '../state/moved.js';
import { openStateStore, recordPushed } from '../state/open.js';
import type { ImportOptions, ImportResult, LockHolder, StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import type { ProjectConfig } from '../validate/model.js';
import { EngineError } from './errors.js';
import type { EventSink } from './events.js';
import { holdState, lockedError, stateDirOf, stateError } from './state.js';

export type PullResult =
  /**
   * File store: the keys written back from `.callops/` into the lockfile, and the schedule
   * memories it added to.
   */
  | {
      readonly backend: 'file';
      readonly restored: readonly string[];
      readonly remembered: readonly string[];
      /** Whether `.callops/` recorded anything (a fresh clone's recorded nothing). */
      readonly recorded: boolean;
      readonly lock: Lockfile;
      /** callops.lock held git's conflict markers: written as its two sides merged. */
      readonly conflict?: ConflictMerged;
    }
  /** Postgres store: the lockfile view was written, with this many entries. */
  | { readonly backend: 'postgres'; readonly entries: number };

/**
 * `callops state pull`: the lockfile view, written where `lockfile:` says. With the file
 * store (opened to restore) it writes back what `.callops/` holds and the lockfile lacks.
 * A database store opened to restore refused a lockfile holding placements it lacks.
 */
export const pullState = async (
  store: StateStore,
  config: ProjectConfig,
  sink: EventSink,
): Promise<PullResult> => {
  if (store.backend === 'file') {
    const held = await holdState(store, config.lockfile, 'callops state pull', sink);
    try {
      return {
        backend: 'file',
        restored: held.restored,
        remembered: held.remembered,
        recorded: held.recorded,
        lock: held.lock,
        ...(held.conflict && { conflict: held.conflict }),
      };
    } finally {
      await held.release();
    }
  }
  // Under the run lock (no `run` starts meanwhile), and refused while any other runner that
  // may claim is live: one that places after the export would place calls callops.lock
  // lacks, and with the record of the move gone the file store here would place them again.
  let taken: Awaited<ReturnType<StateStore['lock']>>;
  try {
    taken = await store.lock({ command: 'callops state pull', now: new Date() });
  } catch (error) {
    throw stateError(error);
  }
  if (!taken.ok) throw pullRefused(taken.holder, config.lockfile, false);
  try {
    await refuseLivePlacer(store, config.lockfile, false);
    // The store was opened for `state pull` (restore): it refused a lockfile holding entries
    // the database lacks, so writing its export over the file drops none of them.
    const lock = await store.export();
    await writeLockfileAtomic(join(config.root, config.lockfile), lock);
    // Looked for again: an apply started during the export recorded its use of the database
    // before it claimed, and that record must stay.
    await refuseLivePlacer(store, config.lockfile, true);
    // callops.lock now holds what the database placed: the file store may open again.
    await clearMoved(stateDirOf(config.root));
    return { backend: 'postgres', entries: Object.keys(lock.calls).length };
  } catch (error) {
    throw stateError(error);
  } finally {
    await taken.release();
  }
};

const refuseLivePlacer = async (
  store: StateStore,
  lockName: string,
  written: boolean,
): Promise<void> => {
  const placer = await store.livePlacer?.();
  if (placer !== undefined) throw pullRefused(placer, lockName, written);
};

/**
 * `state pull` refused for a live runner that may place calls (the run lock's holder, or
 * another), in the run lock's words (exit 75): "the state database is in use: held by pid 12
 * … running `callops run`. …", then why, and what was not done.
 */
const pullRefused = (holder: LockHolder, lockName: string, written: boolean): EngineError => {
  const locked = lockedError('the state database', holder, new Date(), 'postgres');
  const done = written
    ? `${lockName} was written, but ${MOVED_NAME} is kept`
    : `${lockName} was not written, and ${MOVED_NAME} is kept`;
  return new EngineError(
    'locked',
    `${locked.message} \`callops state pull\` writes ${lockName} only while no other runner may place calls: one that places after it would place calls ${lockName} lacks, and the file store here would place them again; ${done}. Run it again once that runner has ended.`,
  );
};

/** A store's warning as the sink's event. */
const warnOf =
  (sink: EventSink) =>
  (message: string): void => {
    void sink({ type: 'state:warning', message });
  };

export type PushResult =
  | ImportResult
  /** There is no lockfile, and `.callops/` records nothing to import either. */
  | { readonly nothing: true };

/**
 * `callops state push`: the file store's lockfile into a database store, once. Every entry
 * of a key the database lacks goes in, also beside a conflicting key (which is refused, or
 * settled with `keepStore`: planImport).
 * The lockfile is taken as the file store's own commands take it: under its run lock
 * (refused while a run holds it), with the journal a killed run left folded in, and refused
 * when it moved backwards. callops.lock alone may lack placements `.callops/` holds, and the
 * database would place those again.
 */
export const pushState = async (
  store: StateStore,
  config: ProjectConfig,
  sink: EventSink,
  options: ImportOptions = {},
): Promise<PushResult> => {
  if (store.backend === 'file') {
    throw new EngineError(
      'usage',
      `state push imports a lockfile into a database store; with \`state: backend: file\` ${config.lockfile} already is the state, so there is nothing to push`,
    );
  }
  const lockPath = join(config.root, config.lockfile);
  const command = 'callops state push';
  let files: StateStore;
  try {
    files = await openStateStore(
      { backend: 'file' },
      {
        stateDir: stateDirOf(config.root),
        lockPath,
        lockName: config.lockfile,
        command,
        pushing: true,
      },
    );
  } catch (error) {
    throw stateError(error);
  }
  try {
    // Held until the database has the entries: no file-store run starts in between.
    const held = await holdState(files, config.lockfile, command, sink);
    try {
      if (Object.keys(held.lock.calls).length === 0 && (await lookUp(lockPath)) === 'absent') {
        await recordPushed(stateDirOf(config.root), config.state, store, warnOf(sink));
        return { nothing: true };
      }
      const imported = await store.import(held.lock, options);
      // The state is the database's from here on: the file store here refuses to open.
      await recordPushed(stateDirOf(config.root), config.state, store, warnOf(sink));
      return imported;
    } catch (error) {
      throw stateError(error);
    } finally {
      await held.release();
    }
  } finally {
    await files.close();
  }
};
