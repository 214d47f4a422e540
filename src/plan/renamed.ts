import { keysBetween } from '../state/lock-index.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import type { CallDefinition } from '../validate/model.js';

/** An entry of a call no longer defined that dialled a number at a slot. */
export interface RenamedEntry {
  readonly key: string;
  readonly entry: LockEntry;
}

/**
 * The slots the lockfile holds of scheduled calls no longer defined: most often a call renamed
 * since, whose slots a new name would place again. Keys are `<target>/<name>@<slot>`, and a
 * renamed call's next key names the same slot under another name: the person was called for
 * that slot already, so the slot is not placed again (a slot is placed once, whatever the
 * call's name). Built per target on the first question, from the keys alone (no entry read);
 * an entry is read only at a slot asked of.
 */
export interface RenamedSlots {
  /** Whether `target` holds slots of a call no longer defined at all (else none is asked). */
  any(target: string): boolean;
  /**
   * The entry at `slot` (as keys write it) on `target` of a call no longer defined that may
   * have rung (placed or unknown) the number whose digest is `digest`.
   */
  at(target: string, slot: string, digest: string): RenamedEntry | undefined;
}

/**
 * `calls`: the project's calls, best once by name (a campaign as its template: its rows' keys
 * hold a `/` and are never asked of here), so that no campaign row is made to ask.
 */
export const renamedSlots = (lock: Lockfile, calls: readonly CallDefinition[]): RenamedSlots => {
  const byTarget = new Map<string, ReadonlyMap<string, string | readonly string[]>>();
  // A call disabled is not one the slot belongs to: its copy under a new name is the call now.
  let defined: ReadonlySet<string> | undefined;
  const slotsOf = (target: string): ReadonlyMap<string, string | readonly string[]> => {
    const known = byTarget.get(target);
    if (known !== undefined) return known;
    if (defined === undefined) {
      const names = new Set<string>();
      for (const c of calls) if (c.campaign === undefined && c.enabled) names.add(c.name);
      defined = names;
    }
    const found = new Map<string, string | string[]>();
    const prefix = `${target}/`;
    for (const key of keysBetween(lock.calls, prefix, `${prefix}\uffff`)) {
      const at = key.indexOf('@', prefix.length);
      if (at < 0) continue;
      const name = key.slice(prefix.length, at);
      // A campaign's rows (`<campaign>/<id>`) go by the campaign's own checks (shifted.ts).
      if (name.includes('/') || defined.has(name)) continue;
      const slot = key.slice(at + 1);
      const keys = found.get(slot);
      if (keys === undefined) found.set(slot, key);
      else found.set(slot, typeof keys === 'string' ? [keys, key] : [...keys, key]);
    }
    byTarget.set(target, found);
    return found;
  };
  return {
    any: (target) => slotsOf(target).size > 0,
    at: (target, slot, digest) => {
      const found = slotsOf(target).get(slot);
      if (found === undefined) return undefined;
      for (const key of typeof found === 'string' ? [found] : found) {
        const entry = lock.calls[key];
        if (entry === undefined || entry.number !== digest) continue;
        // Placed or unknown (a claim in flight too): it may have rung.
        if (entry.status === 'placed' || entry.status === 'unknown') return { key, entry };
      }
      return undefined;
    },
  };
};
