import { settleUnknown } from '../state/record.js';
import type { Settlement, StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import { EngineError } from './errors.js';
import type { EventSink } from './events.js';
import { holdState, readState, stateError } from './state.js';

/**
 * `callops resolve`: settle unknown entries by hand, all or none. The store checks each key
 * (it must be unknown; a sid is recorded once) and the whole settlement is persisted at once.
 */
export const settleKeys = async (
  store: StateStore,
  lockName: string,
  keys: readonly string[],
  settlement: Settlement,
  sink: EventSink,
): Promise<void> => {
  // The file store settles under the run lock; the Postgres store settles row by row.
  const held = store.concurrentRunners
    ? undefined
    : await holdState(store, lockName, 'callops resolve', sink);
  try {
    // Every key is checked first, so that one bad key settles none.
    let lock: Lockfile = held?.lock ?? (await readState(store));
    for (const key of keys) {
      const next = settleUnknown(lock, key, settlement);
      if ('error' in next) throw new EngineError('failed', next.error);
      lock = next;
    }
    for (const key of keys) {
      try {
        await store.settle(key, settlement);
      } catch (error) {
        throw new EngineError('failed', error instanceof Error ? error.message : String(error));
      }
    }
    await store.persist().catch((error: unknown) => {
      throw stateError(error);
    });
  } finally {
    await held?.release();
  }
};
