import { holderOf, sidBits } from '../state/sids.js';
import type { Lockfile } from '../state/types.js';

/**
 * The sids a run may record: one call has one sid, so a 201 whose sid the state already
 * records for another key (before the run, or earlier in it) is not trusted. The gateway
 * answered a sid that is another call's, and this call may or may not have been placed.
 *
 * Kept small for a run of 100,000 calls: 60 bits of each sid the state holds or the run
 * accepted (built from the state's view at the run's first 201), the exact sid only
 * for the calls accepted whose entry is not in the view yet, and the sids found taken. When
 * those bits match, the view's entries are scanned for the sid: a gateway that gave one sid
 * twice, or by chance almost never. (With 30 bits it was some 5 times a run of 100,000
 * calls, each read of a file store's view a copy of its entries.)
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

/** The FNV basis of a sid's other 30 bits. */
const OTHER_BASIS = 0x050c5d1f;

/**
 * A set of pairs of 30-bit numbers in one typed array (open addressing, linear probing, at
 * most four fifths full): 10 to 20 bytes a sid, outside the heap, where two Sets of numbers
 * took some 50 bytes a sid on it (at most half full, it took 2 MB for 100,000 sids, 1 MB
 * now). A slot whose second number is 0 is empty, so 1 is or-ed in.
 */
class Fingerprints {
  #slots = new Uint32Array(2 * 4096);
  #size = 0;

  /** Adds the pair; false when it was there already. */
  add(a: number, b: number): boolean {
    const second = b | 1;
    if (this.#size * 5 >= this.#slots.length * 2) this.#grow();
    const slots = this.#slots;
    const mask = slots.length / 2 - 1;
    for (let i = a & mask; ; i = (i + 1) & mask) {
      const at = slots[2 * i + 1];
      if (at === 0) {
        slots[2 * i] = a;
        slots[2 * i + 1] = second;
        this.#size += 1;
        return true;
      }
      if (at === second && slots[2 * i] === a) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    this.#size = 0;
    for (let i = 0; i < old.length; i += 2) {
      if (old[i + 1] !== 0) this.add(old[i] as number, old[i + 1] as number);
    }
  }
}

/** A ledger over the state `read` gives (the view, with this run's recorded outcomes). */
export const sidLedger = (read: () => Promise<Lockfile>): SidLedger => {
  let bits: Fingerprints | undefined;
  let building: Promise<Fingerprints> | undefined;
  // Accepted in this run, not yet in the view: as many as there are calls in flight.
  const pending = new Map<string, string>();
  // Sids found taken, with the key that has them: a gateway answering one sid to every call
  // is then told apart without a scan per call.
  const taken = new Map<string, string>();

  const build = (): Promise<Fingerprints> => {
    building ??= read().then(
      (lock) => {
        const set = new Fingerprints();
        for (const key in lock.calls) {
          const sid = lock.calls[key]?.sid;
          if (sid !== undefined) set.add(sidBits(sid), sidBits(sid, OTHER_BASIS));
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
    const b2 = sidBits(sid, OTHER_BASIS);
    if (set.add(b, b2)) {
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
