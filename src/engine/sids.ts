import { holderOf, sidBits } from '../state/sids.js';
import type { Lockfile } from '../state/types.js';

/**
 * The sids a run may record: one call has one sid, so a 201 whose sid the state already
 * records for another key (before the run, or earlier in it) is not trusted. The gateway
 * answered a sid that is another call's, and this call may or may not have been placed.
 *
 * Kept small for a run of 100,000 calls: 30 bits of each sid the state holds or the run
 * accepted (built from the state's view at the run's first 201), the exact sid only for the
 * calls accepted whose entry is not in the view yet, and the sids found taken. When the bits
 * match, the view's entries are scanned for the sid (rare: one sid in some 10,000 among
 * 100,000 entries, or a gateway that gives one sid twice).
 */
export interface SidLedger {
  /**
   * The key the state, or this run, already records `sid` for (another than `key`): the
   * 201 is then not trusted. Otherwise `sid` is now `key`'s, until `recorded(sid)`.
   */
  holder(key: string, sid: string): Promise<string | undefined>;
  /** The outcome with `sid` was written (or failed to be): the view has it from now on. */
  recorded(sid: string): void;
}

/** A ledger over the state `read` gives (the view, with this run's recorded outcomes). */
export const sidLedger = (read: () => Promise<Lockfile>): SidLedger => {
  let bits: Set<number> | undefined;
  let building: Promise<Set<number>> | undefined;
  // Accepted in this run, not yet in the view: as many as there are calls in flight.
  const pending = new Map<string, string>();
  // Sids found taken, with the key that has them: a gateway answering one sid to every call
  // is then told apart without a scan per call.
  const taken = new Map<string, string>();

  const build = (): Promise<Set<number>> => {
    building ??= read().then(
      (lock) => {
        const set = new Set<number>();
        for (const key in lock.calls) {
          const sid = lock.calls[key]?.sid;
          if (sid !== undefined) set.add(sidBits(sid));
        }
        bits = set;
        return set;
      },
      (error: unknown) => {
        building = undefined;
        throw error;
      },
    );
    return building;
  };

  const holder = async (key: string, sid: string): Promise<string | undefined> => {
    const set = bits ?? (await build());
    const exact = sid.toLowerCase();
    const found = taken.get(exact) ?? pending.get(exact);
    if (found !== undefined && found !== key) return found;
    const b = sidBits(sid);
    if (!set.has(b)) {
      set.add(b);
      pending.set(exact, key);
      return undefined;
    }
    // Held apart before the scan: the same sid answered meanwhile finds it here.
    pending.set(exact, key);
    const owner = holderOf(await read(), sid, key);
    if (owner === undefined) return undefined;
    if (pending.get(exact) === key) pending.delete(exact);
    taken.set(exact, owner);
    return owner;
  };

  return {
    holder,
    recorded: (sid) => {
      pending.delete(sid.toLowerCase());
    },
  };
};
