import { join } from 'node:path';
import { whereOf } from '../config/diagnostics.js';
import { readLockfile, writeLockfileAtomic } from '../state/lockfile.js';
import type { ImportConflict, StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import type { ProjectConfig } from '../validate/model.js';
import { EngineError } from './errors.js';
import type { EventSink } from './events.js';
import { holdState, stateError } from './state.js';

export type PullResult =
  /** File store: the keys written back from `.callops/` into the lockfile. */
  | { readonly backend: 'file'; readonly restored: readonly string[]; readonly lock: Lockfile }
  /** Postgres store: the lockfile view was written, with this many entries. */
  | { readonly backend: 'postgres'; readonly entries: number };

/**
 * `callops state pull`: the lockfile view, written where `lockfile:` says. With the file
 * store (opened to restore) it writes back what `.callops/` holds and the lockfile lacks.
 */
export const pullState = async (
  store: StateStore,
  config: ProjectConfig,
  sink: EventSink,
): Promise<PullResult> => {
  if (store.backend === 'file') {
    const held = await holdState(store, config.lockfile, 'callops state pull', sink);
    try {
      return { backend: 'file', restored: held.restored, lock: held.lock };
    } finally {
      await held.release();
    }
  }
  try {
    const lock = await store.export();
    await writeLockfileAtomic(join(config.root, config.lockfile), lock);
    return { backend: 'postgres', entries: Object.keys(lock.calls).length };
  } catch (error) {
    throw stateError(error);
  }
};

export type PushResult =
  | { readonly ok: true; readonly imported: number; readonly unchanged: number }
  | { readonly ok: false; readonly conflicts: readonly ImportConflict[] };

/** `callops state push`: the lockfile's entries into a database store, once, all or none. */
export const pushState = async (store: StateStore, config: ProjectConfig): Promise<PushResult> => {
  if (store.backend === 'file') {
    throw new EngineError(
      'usage',
      `state push imports a lockfile into a database store; with \`state: backend: file\` ${config.lockfile} already is the state, so there is nothing to push`,
    );
  }
  const read = await readLockfile(join(config.root, config.lockfile), { file: config.lockfile });
  if ('error' in read) {
    const d = read.error;
    throw new EngineError('invalid', `${whereOf(d)}: ${d.message}`);
  }
  try {
    return await store.import(read.lock);
  } catch (error) {
    throw stateError(error);
  }
};
