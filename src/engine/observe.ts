import type { Observation, StateStore } from '../state/store.js';
import type { EventSink } from './events.js';
import { holdState, stateError } from './state.js';

/**
 * Records what the gateway says became of placed calls (`status --refresh`, `apply --wait`,
 * `callops receive`, `resolve --check`), through the same store path every command uses. The
 * file store records under its run lock (refused at once, like any runner, while another run
 * holds it); the Postgres store records row by row. `held`: the caller holds the lock already
 * (`apply --wait` records while its run still holds it).
 */
export const recordObservations = async (
  store: StateStore,
  updates: readonly Observation[],
  site: {
    readonly lockName: string;
    readonly command: string;
    readonly sink: EventSink;
    readonly held?: boolean;
  },
): Promise<readonly string[]> => {
  if (updates.length === 0) return [];
  const lock =
    site.held === true || store.concurrentRunners
      ? undefined
      : await holdState(store, site.lockName, site.command, site.sink);
  try {
    const changed = await store.observe(updates);
    if (changed.length > 0) await store.persist();
    return changed;
  } catch (error) {
    throw stateError(error);
  } finally {
    await lock?.release();
  }
};
