import { namesOtherKey } from '../screen/number.js';
import type { LockEntry, Lockfile } from './types.js';

/**
 * One call has one sid. These find a sid the lockfile already holds, and sids more than one
 * entry holds, without keeping every sid's text: 30 bits of each (small integers, which V8
 * keeps inline in a Set), with an exact look at the entries only when those bits match.
 * Sids compare without regard to case, as `resolve --placed` compares them.
 */

/**
 * 30 bits of a sid: FNV-1a of its text with A–Z folded to lower case. Another `basis` gives
 * 30 other bits, about independent of the first.
 */
export const sidBits = (sid: string, basis = 0x811c9dc5): number => {
  let hash = basis;
  for (let i = 0; i < sid.length; i++) {
    const c = sid.charCodeAt(i);
    hash = Math.imul(hash ^ (c >= 65 && c <= 90 ? c + 32 : c), 0x01000193);
  }
  return hash & 0x3fffffff;
};

const sameSid = (a: string, b: string): boolean =>
  a.length === b.length && a.toLowerCase() === b.toLowerCase();

/** The first key other than `key` whose entry holds `sid`, if any. */
export const holderOf = (lock: Lockfile, sid: string, key: string): string | undefined => {
  for (const k in lock.calls) {
    const held = lock.calls[k]?.sid;
    if (k !== key && held !== undefined && sameSid(held, sid)) return k;
  }
  return undefined;
};

/** The sids (in lower case) that more than one of `entries` holds. */
export const sharedSids = (
  entries: readonly (readonly [string, Pick<LockEntry, 'sid'>])[],
): ReadonlySet<string> => {
  const seen = new Set<number>();
  const twice = new Set<number>();
  for (const [, e] of entries) {
    if (e.sid === undefined) continue;
    const bits = sidBits(e.sid);
    if (seen.has(bits)) twice.add(bits);
    else seen.add(bits);
  }
  seen.clear();
  const shared = new Set<string>();
  if (twice.size === 0) return shared;
  const counted = new Set<string>();
  for (const [, e] of entries) {
    if (e.sid === undefined || !twice.has(sidBits(e.sid))) continue;
    const sid = e.sid.toLowerCase();
    if (counted.has(sid)) shared.add(sid);
    else counted.add(sid);
  }
  return shared;
};

/**
 * The placed entry of each of `sids` (as the gateway wrote them), for a status the gateway
 * sent about it. A sid more than one entry holds maps to none: which call the status is of
 * cannot be told, and it is never recorded on them all. Nor does a sid whose status names
 * (`numbers`: its addressKey) another number than its entry dialled: those are `otherNumber`.
 */
export const keysOfSids = (
  lock: Lockfile,
  sids: readonly string[],
  numbers: ReadonlyMap<string, string> = new Map(),
): {
  readonly keys: ReadonlyMap<string, string>;
  readonly shared: readonly string[];
  readonly otherNumber: ReadonlyMap<string, string>;
} => {
  const wanted = new Map(sids.map((sid) => [sid.toLowerCase(), sid]));
  const keys = new Map<string, string>();
  const holders = new Map<string, number>();
  const otherNumber = new Map<string, string>();
  for (const [key, e] of Object.entries(lock.calls)) {
    const sid = e.sid === undefined ? undefined : wanted.get(e.sid.toLowerCase());
    if (sid === undefined) continue;
    holders.set(sid, (holders.get(sid) ?? 0) + 1);
    if (e.status !== 'placed') continue;
    // A status of its sid to another number than it dialled is another call's: its sid came
    // to it with another call's answer.
    if (namesOtherKey(e.number, numbers.get(sid))) otherNumber.set(sid, key);
    else keys.set(sid, key);
  }
  const shared = [...holders].filter(([, n]) => n > 1).map(([sid]) => sid);
  for (const sid of shared) {
    keys.delete(sid);
    otherNumber.delete(sid);
  }
  return { keys, shared, otherNumber };
};
