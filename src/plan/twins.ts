import { keysBetween } from '../state/calls-summary.js';
import { lowerBound } from '../state/sorted.js';
import type { LockEntry, Lockfile } from '../state/types.js';
import { sha256Hex } from '../validate/definition.js';
import { isEmpty } from './entries.js';
import { formatSlot } from './keys.js';

/**
 * Keys begin with their target's name (`<target>/<name>…`), and a target is a name for a
 * gateway: renamed in callops.yaml (`gw:` → `production:`, the same base_url and account_sid),
 * every key of its calls is a new one, and every call it placed would be placed again. The
 * entries of a target are therefore read, for a target they may stand for, as entries of its
 * own: a call, slot or row placed under one of its *twins* under the same key but for the
 * target is that call, slot or row, placed already. A target's twins are:
 *
 * - the targets the state holds entries of that the project no longer defines (not in
 *   callops.yaml, not `env` from CALLOPS_* now): an entry does not say which gateway placed
 *   it, so one of them may be this gateway renamed, or the one it replaced; the person was
 *   called all the same. Such an entry stands for every target.
 * - the targets the project defines beside it on the same gateway (base_url and account_sid
 *   as they resolve now): two names for one gateway place a call once.
 * - the targets the project defines beside it whose gateway does not resolve here (a variable
 *   unset in this job), for their entries that record this gateway (`gateway`, written by
 *   every placement since it was added: recordedGateway): such an entry was placed on this
 *   gateway, whatever its target's name. Their other entries, recorded on another gateway or
 *   written before entries recorded one, are another gateway's (unresolvedTargets names them).
 *   When the target's own gateway does not resolve here either (its variables unset where
 *   only the lockfile is read: runGateway), it is known by what its own latest entry
 *   records; when none records one, callops cannot tell, and every entry recording a gateway
 *   is read as the target's (ANY_RECORDED_GATEWAY): the lockfile says it was placed, and the
 *   target cannot place a call here anyway (apply and run refuse its unset variables).
 *
 * A target defined beside it on another gateway is no twin: two gateways place a call each,
 * as two calls defined beside each other are two calls (a rehearsal on staging, then
 * production). Pure: what the project defines, and which gateway each target is, is given.
 */

/** Another target whose entries count as a target's own. */
export interface Twin {
  readonly target: string;
  /** The project no longer defines it; else it is defined beside, on the same gateway. */
  readonly gone: boolean;
  /**
   * It is defined beside, but its gateway does not resolve here: only its entries recording
   * this digest as their `gateway` (recordedGateway of the target's gateway) count.
   */
  readonly recorded?: string;
  /**
   * Its target's gateway does not resolve here either: `recorded` is what the target's own
   * latest entry records, or ANY_RECORDED_GATEWAY when none records one (runGateway).
   */
  readonly runUnresolved?: true;
}

/**
 * A twin's `recorded` when its target's gateway cannot be told here at all (runGateway): every
 * entry that records a gateway counts, as the lockfile says it was placed. No digest is this.
 */
export const ANY_RECORDED_GATEWAY = 'sha256:*';

/**
 * Whether `entry`, under `twin`, counts as its target's own (all do but a `recorded` twin's,
 * which count when they record its digest, or any one for ANY_RECORDED_GATEWAY).
 */
export const twinHolds = (twin: Twin, entry: LockEntry): boolean =>
  twin.recorded === undefined ||
  (twin.recorded === ANY_RECORDED_GATEWAY
    ? entry.gateway !== undefined
    : entry.gateway === twin.recorded);

/** A twin as one target sees it: `of` is the target whose key it stands in for. */
export interface TwinOf extends Twin {
  readonly of: string;
}

/**
 * What a twin target is (twins.ts): one this checkout does not define (renamed here, or a name
 * a newer checkout gave it: never said "no longer"), or one on the same gateway.
 */
export const twinWords = (twin: TwinOf): string =>
  twin.gone
    ? "which this checkout's callops.yaml does not define"
    : twin.recorded === ANY_RECORDED_GATEWAY
      ? `placed on the gateway its entry records, not compared with target ${twin.of}'s (neither ${twin.target}'s nor ${twin.of}'s base_url and account_sid resolve here)`
      : twin.recorded !== undefined
        ? twin.runUnresolved === true
          ? `placed on the gateway target ${twin.of}'s own latest entry records, as its entry records (neither ${twin.target}'s nor ${twin.of}'s base_url and account_sid resolve here)`
          : `placed on the gateway of target ${twin.of}, as its entry records (the base_url or account_sid of ${twin.target} does not resolve here)`
        : `the same gateway as target ${twin.of} (its base_url and account_sid)`;

/** A target the state holds entries of, and how many. */
export interface TargetEntries {
  readonly target: string;
  readonly entries: number;
}

/** An entry under a twin of a target that may have rung (placed, unknown or being placed). */
export interface TwinEntry {
  readonly key: string;
  readonly entry: LockEntry;
  readonly twin: TwinOf;
}

/** Such an entry of a slot (as keys write it). */
export interface TwinSlot extends TwinEntry {
  readonly slot: string;
}

export interface TargetTwins {
  /** Targets the state holds entries of that the project no longer defines, in key order. */
  readonly gone: readonly TargetEntries[];
  /** Whether any target has a twin: else nothing else is asked. */
  readonly any: boolean;
  /** The twins of `target`: those on its gateway first, then those no longer defined. */
  of(target: string): readonly TwinOf[];
  /** The targets defined beside `target` on its gateway that hold entries, with how many. */
  sameGateway(target: string): readonly TargetEntries[];
  /**
   * The entry of `key` (a key on `target`) under a twin of `target`, the same key but for its
   * target, that may have rung: placed, or unknown (a claim being placed too).
   */
  at(target: string, key: string): TwinEntry | undefined;
  /**
   * The latest slot in (after, until] (epoch ms) of `<twin>/<base>@…` under a twin of
   * `target` that may have rung, whatever slot the schedule has now: `base` is the key after
   * its target and before its `@` (a call's name, or `<campaign>/<row id>`).
   */
  latest(target: string, base: string, after: number, until: number): TwinSlot | undefined;
}

/**
 * How a gateway identity (PlanInput.gateways) begins for a target whose base_url or
 * account_sid does not resolve now (a variable unset, empty or blank, a base_url that is no
 * URL): it is known by its values as written, and callops cannot tell whether it is the run's
 * gateway.
 */
export const UNRESOLVED_GATEWAY = 'unresolved:';

/**
 * What an entry records of the gateway that placed it (LockEntry.gateway): `sha256:` and 16
 * hex digits of the digest of its identity (PlanInput.gateways: base_url and account_sid as
 * they resolved), never the URL; undefined for a gateway that does not resolve.
 */
export const recordedGateway = (gateway: string | undefined): string | undefined =>
  gateway === undefined || gateway.startsWith(UNRESOLVED_GATEWAY)
    ? undefined
    : `sha256:${sha256Hex(`gateway:${gateway}`).slice(0, 16)}`;

/**
 * How a target whose own gateway does not resolve here (runGateway) is known: `recorded`, by
 * the gateway its own latest entry records; `unknown`, not at all (no entry of it records one).
 */
export type RunGatewayKnown = 'recorded' | 'unknown';

/** A target that does not resolve here, with how its entries are read (unresolvedTargets). */
export interface UnresolvedEntries extends TargetEntries {
  /** Entries recording the run target's gateway: held as its own (a twin's). */
  readonly held?: number;
  /** Entries recording another gateway: that gateway's, placed again under the run target. */
  readonly otherGateway?: number;
  /**
   * The run target does not resolve here either: how its gateway was known (RunGatewayKnown);
   * with `unknown`, `held` counts every entry recording a gateway (ANY_RECORDED_GATEWAY).
   */
  readonly runTarget?: RunGatewayKnown;
}

/**
 * The digest (recordedGateway) an entry of another target must record to count as `target`'s:
 * its gateway's as it resolves now; for a target that does not resolve here (its variables
 * unset where the lockfile is only read), the one its own latest entry records (placed when
 * it did resolve), else ANY_RECORDED_GATEWAY (`known: unknown`). Undefined for a target the
 * project does not define.
 */
export const runGateway = (
  lock: Lockfile,
  gateways: ReadonlyMap<string, string>,
  target: string,
): { readonly recorded: string | undefined; readonly known?: RunGatewayKnown } => {
  const mine = gateways.get(target);
  if (mine === undefined || !mine.startsWith(UNRESOLVED_GATEWAY))
    return { recorded: recordedGateway(mine) };
  let latest: LockEntry | undefined;
  for (const key of keysBetween(lock.calls, `${target}/`, `${target}/\uffff`)) {
    const entry = lock.calls[key];
    if (entry?.gateway !== undefined && (latest === undefined || entry.at > latest.at))
      latest = entry;
  }
  return latest?.gateway === undefined
    ? { recorded: ANY_RECORDED_GATEWAY, known: 'unknown' }
    : { recorded: latest.gateway, known: 'recorded' };
};

/**
 * The targets the project defines, besides `target`, whose base_url or account_sid does not
 * resolve now and that hold entries, with how many: callops cannot tell by their values
 * whether they are `target`'s gateway. An entry recording the gateway that placed it is read
 * by it (`held`: recorded on `target`'s gateway, a twin's; `otherGateway`: another's); one
 * written before entries recorded it is read as another gateway's, so were such a target
 * `target`'s gateway renamed, what it placed would be placed again. A plan names them all, so
 * that nobody is called again unawares.
 */
export const unresolvedTargets = (
  lock: Lockfile,
  gateways: ReadonlyMap<string, string> | undefined,
  target: string,
): UnresolvedEntries[] => {
  if (gateways === undefined || isEmpty(lock.calls)) return [];
  const mine = gateways.get(target);
  const { recorded, known } = runGateway(lock, gateways, target);
  const found: UnresolvedEntries[] = [];
  for (const [other, gateway] of [...gateways].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (other === target || gateway === mine || !gateway.startsWith(UNRESOLVED_GATEWAY)) continue;
    const keys = keysBetween(lock.calls, `${other}/`, `${other}/\uffff`);
    if (keys.length === 0) continue;
    let held = 0;
    let otherGateway = 0;
    for (const key of keys) {
      const at = lock.calls[key]?.gateway;
      if (at === undefined) continue;
      if (at === recorded || recorded === ANY_RECORDED_GATEWAY) held++;
      else otherGateway++;
    }
    found.push({
      target: other,
      entries: keys.length,
      ...(held > 0 && { held }),
      ...(otherGateway > 0 && { otherGateway }),
      ...(known !== undefined && { runTarget: known }),
    });
  }
  return found;
};

/** Placed, unknown, or a claim being placed: the call may have rung. */
export const mayHaveRung = (entry: LockEntry | undefined): entry is LockEntry =>
  entry !== undefined && (entry.status === 'placed' || entry.status === 'unknown');

const NO_TWINS: TargetTwins = {
  gone: [],
  any: false,
  of: () => [],
  sameGateway: () => [],
  at: () => undefined,
  latest: () => undefined,
};

/** The target of a key (before its first `/`), or undefined for a key without one. */
export const targetOfKey = (key: string): string | undefined => {
  const slash = key.indexOf('/');
  return slash <= 0 ? undefined : key.slice(0, slash);
};

/**
 * The twin of `target` that `key`, found at a claim under another target, is under (the
 * claim's check in a database store: twin-claim.ts, renamed-claim.ts, shifted.ts), as
 * targetTwins reads it: a target the project no longer defines, one on the same gateway, or
 * one defined beside that does not resolve here when the entry found records `target`'s
 * gateway (`recorded`: its LockEntry.gateway). Undefined under `target` itself, under a
 * target the project defines on another gateway (two gateways, two calls), under one that
 * does not resolve here whose entry records another gateway or none, or when the project's
 * targets are not known (`gateways`, PlanInput.gateways).
 */
export const twinOfKey = (
  target: string,
  key: string,
  gateways: ReadonlyMap<string, string> | undefined,
  recorded?: string,
): TwinOf | undefined => {
  const under = targetOfKey(key);
  if (under === undefined || under === target || gateways === undefined) return undefined;
  const theirs = gateways.get(under);
  const mine = gateways.get(target);
  if (theirs === undefined || theirs === mine)
    return { target: under, gone: theirs === undefined, of: target };
  const here = recordedGateway(mine);
  if (!theirs.startsWith(UNRESOLVED_GATEWAY) || here === undefined || recorded !== here)
    return undefined;
  return { target: under, gone: false, recorded: here, of: target };
};

/**
 * The targets the keys from `lo` to `hi` name, each with its count of keys: one walk that
 * jumps past each target's keys (`<t>/…` sort just below `<t>0`, no character between).
 */
const targetsBetween = (calls: Lockfile['calls'], lo: string, hi: string): TargetEntries[] => {
  const keys = keysBetween(calls, lo, hi);
  const found: TargetEntries[] = [];
  let i = 0;
  while (i < keys.length) {
    const key = keys[i] as string;
    const target = targetOfKey(key);
    if (target === undefined) {
      i++;
      continue;
    }
    const next = lowerBound(keys, `${target}0`);
    found.push({ target, entries: next - i });
    i = next;
  }
  return found;
};

/**
 * The targets the lockfile holds keys of that are not among `defined`: the keys between the
 * defined targets' own are listed (a defined target's are never read).
 */
const goneTargets = (lock: Lockfile, defined: ReadonlySet<string>): TargetEntries[] => {
  if (isEmpty(lock.calls)) return [];
  const gone: TargetEntries[] = [];
  let lo = '';
  for (const target of [...defined].sort()) {
    gone.push(...targetsBetween(lock.calls, lo, `${target}/`));
    lo = `${target}/\uffff`;
  }
  gone.push(...targetsBetween(lock.calls, lo, '\uffff\uffff'));
  return gone.filter((g) => !defined.has(g.target));
};

/**
 * The twins of every target of the project. `gateways`: each target the project defines now
 * (the built-in simulator too), with an identity of the gateway it places calls on (equal
 * for two targets on one gateway); undefined, as in plans built without it, finds none.
 */
export const targetTwins = (
  lock: Lockfile,
  gateways: ReadonlyMap<string, string> | undefined,
): TargetTwins => {
  if (gateways === undefined) return NO_TWINS;
  const gone = goneTargets(lock, new Set(gateways.keys()));
  // Targets that do not resolve here and hold entries: theirs recording a target's gateway
  // are that target's.
  const unresolved = [...gateways]
    .filter(
      ([other, gateway]) =>
        gateway.startsWith(UNRESOLVED_GATEWAY) &&
        keysBetween(lock.calls, `${other}/`, `${other}/\uffff`).length > 0,
    )
    .map(([other]) => other);
  const byTarget = new Map<string, readonly TwinOf[]>();
  const of = (target: string): readonly TwinOf[] => {
    const cached = byTarget.get(target);
    if (cached !== undefined) return cached;
    const mine = gateways.get(target);
    const made: TwinOf[] = [];
    if (mine !== undefined) {
      for (const [other, gateway] of gateways) {
        if (other !== target && gateway === mine)
          made.push({ target: other, gone: false, of: target });
      }
    }
    for (const g of gone) made.push({ target: g.target, gone: true, of: target });
    // Asked only when some target does not resolve here: it may walk the target's entries.
    const { recorded, known } =
      unresolved.length > 0 ? runGateway(lock, gateways, target) : { recorded: undefined };
    if (recorded !== undefined) {
      for (const other of unresolved) {
        // Itself, or written as it is (the same gateway, above): not read by what it records.
        if (other === target || gateways.get(other) === mine) continue;
        made.push({
          target: other,
          gone: false,
          recorded,
          ...(known !== undefined && { runUnresolved: true as const }),
          of: target,
        });
      }
    }
    byTarget.set(target, made);
    return made;
  };
  const sameGateway = new Set(gateways.values()).size < gateways.size;
  if (gone.length === 0 && !sameGateway && unresolved.length === 0) return NO_TWINS;
  return {
    gone,
    any: true,
    of,
    sameGateway: (target) =>
      of(target)
        .filter((twin) => !twin.gone && twin.recorded === undefined)
        .map((twin) => ({
          target: twin.target,
          entries: keysBetween(lock.calls, `${twin.target}/`, `${twin.target}/\uffff`).length,
        }))
        .filter((t) => t.entries > 0),
    at: (target, key) => {
      const rest = key.slice(target.length);
      for (const twin of of(target)) {
        const other = `${twin.target}${rest}`;
        const entry = lock.calls[other];
        if (mayHaveRung(entry) && twinHolds(twin, entry)) return { key: other, entry, twin };
      }
      return undefined;
    },
    latest: (target, base, after, until) => {
      if (!(until > after)) return undefined;
      const lo = formatSlot(new Date(Math.max(after, 0)));
      const hi = formatSlot(new Date(until));
      let best: TwinSlot | undefined;
      for (const twin of of(target)) {
        const prefix = `${twin.target}/${base}@`;
        const keys = keysBetween(lock.calls, `${prefix}${lo}`, `${prefix}${hi}`);
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] as string;
          const slot = key.slice(prefix.length);
          const at = Date.parse(slot);
          if (!(at > after && at <= until)) continue;
          if (best !== undefined && slot <= best.slot) break;
          const entry = lock.calls[key];
          if (mayHaveRung(entry) && twinHolds(twin, entry)) {
            best = { key, entry, twin, slot };
            break;
          }
        }
      }
      return best;
    },
  };
};
