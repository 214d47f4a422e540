import { mergeLetGo } from './merge.js';
import type { ImportConflict, ImportOptions, ImportResult, SettledConflict } from './store.js';
import type {
  LockEntry,
  Lockfile,
  PlacementSource,
  PreviousPlacement,
  ScheduleMemory,
} from './types.js';

/* `callops state push`: how a lockfile's entries go into a store that may hold some of them. */

/** What an import writes (planImport): the caller applies it in one transaction or write. */
export interface PlannedImport {
  /** Entries to add: keys the store lacked, and those `displaced` (the lockfile's entry won). */
  readonly added: Lockfile['calls'];
  /** Keys whose store entry gives way to the lockfile's (in `added`). */
  readonly displaced: readonly string[];
  /** Keys whose store entry stays, with this history (the lockfile's placements joined it). */
  readonly histories: Readonly<Record<string, readonly PreviousPlacement[]>>;
  readonly result: ImportResult;
}

/** How much of a call an entry records: placed (it rang), unknown (it may have), failed (no). */
const weight = (entry: LockEntry): number =>
  entry.status === 'placed' ? 2 : entry.status === 'unknown' ? 1 : 0;

/** The placements an entry records: its own sid when placed, and those its history keeps. */
const placementsOf = (entry: LockEntry): readonly PreviousPlacement[] => [
  ...(entry.history ?? []),
  ...(entry.status === 'placed' && entry.sid !== undefined
    ? [
        {
          sid: entry.sid,
          ...(entry.callId === undefined ? {} : { callId: entry.callId }),
          at: entry.at,
          ...(entry.number === undefined ? {} : { number: entry.number }),
        },
      ]
    : []),
];

/**
 * Whether the store's entry keeps every placement the lockfile's records, as its sid or in
 * its history: an earlier `state push --keep-database` settled the key, or an `apply
 * --replace` on the store placed the call again since. Nothing of the lockfile's entry is
 * left to import, so it is no conflict: pushing again changes nothing.
 */
const keptAlready = (store: LockEntry, lockfile: LockEntry): boolean => {
  if (lockfile.status !== 'placed' || lockfile.sid === undefined) return false;
  const known = new Set(placementsOf(store).map((p) => p.sid));
  return placementsOf(lockfile).every((p) => known.has(p.sid));
};

/**
 * `state push --keep-database` for one key both hold otherwise: the store's entry stays,
 * unless the lockfile's records more of the call (placed over unknown over failed): keeping
 * a failed entry beside a placed one would make the call due again, and an unknown one would
 * after `resolve --not-placed`. The other side's placements (its sid, its history) join the
 * kept entry's history, oldest first, so that no sid of a real call is forgotten and each
 * still counts toward per-number limits. Pure.
 */
export const settleConflict = (
  store: LockEntry,
  lockfile: LockEntry,
): {
  readonly kept: 'store' | 'lockfile';
  readonly entry: LockEntry;
  readonly historied: readonly string[];
} => {
  const kept = weight(lockfile) > weight(store) ? 'lockfile' : 'store';
  const [keep, other] = kept === 'store' ? [store, lockfile] : [lockfile, store];
  const from: PlacementSource = kept === 'store' ? 'lockfile' : 'database';
  const known = new Set(placementsOf(keep).map((p) => p.sid));
  // Each says where it came from: placed beside the kept call, not replaced by it.
  const joining = placementsOf(other)
    .filter((p) => !known.has(p.sid))
    .map((p) => ({ ...p, joinedFrom: p.joinedFrom ?? from }));
  if (joining.length === 0) return { kept, entry: keep, historied: [] };
  const history = [...(keep.history ?? []), ...joining].sort(
    (a, b) => Date.parse(a.at) - Date.parse(b.at),
  );
  return { kept, entry: { ...keep, history }, historied: joining.map((p) => p.sid) };
};

/**
 * The import rule both stores share (pure): entries of `incoming` that `current` lacks are
 * added; an entry both have with the same status and sid is left as it is, and so is one
 * whose placements `current`'s entry keeps already (keptAlready); any other is a conflict.
 * A conflict refuses its own key only: the entries of every other key are added all the
 * same, since each keeps a call from being placed again (a runner on the store would place
 * a key it lacks). With `keepStore` a conflict is settled (settleConflict), except for
 * a key in `inFlight`: a live runner is placing it, and records its outcome itself.
 */
export const planImport = (
  current: Lockfile,
  incoming: Lockfile,
  options: ImportOptions & { readonly inFlight?: ReadonlySet<string> } = {},
): PlannedImport => {
  const added: Record<string, Lockfile['calls'][string]> = {};
  const displaced: string[] = [];
  const histories: Record<string, readonly PreviousPlacement[]> = {};
  const conflicts: ImportConflict[] = [];
  const settled: SettledConflict[] = [];
  let imported = 0;
  let unchanged = 0;
  let inHistory = 0;
  for (const key of Object.keys(incoming.calls).sort()) {
    const theirs = incoming.calls[key];
    if (theirs === undefined) continue;
    const ours = current.calls[key];
    if (ours === undefined) {
      added[key] = theirs;
      imported++;
      continue;
    }
    if (ours.status === theirs.status && ours.sid === theirs.sid) {
      unchanged++;
      continue;
    }
    if (keptAlready(ours, theirs)) {
      unchanged++;
      inHistory++;
      continue;
    }
    const inFlight = options.inFlight?.has(key) === true;
    const conflict: ImportConflict = {
      key,
      store: {
        status: ours.status,
        ...(ours.sid ? { sid: ours.sid } : {}),
        ...(inFlight ? { inFlight: true as const } : {}),
      },
      lockfile: { status: theirs.status, ...(theirs.sid ? { sid: theirs.sid } : {}) },
    };
    if (options.keepStore !== true || inFlight) {
      conflicts.push(conflict);
      continue;
    }
    const { kept, entry, historied } = settleConflict(ours, theirs);
    if (kept === 'lockfile') {
      added[key] = entry;
      displaced.push(key);
    } else if (entry !== ours && entry.history !== undefined) histories[key] = entry.history;
    settled.push({ ...conflict, kept, historied });
  }
  return {
    added,
    displaced,
    histories,
    result: { ok: conflicts.length === 0, imported, unchanged, inHistory, conflicts, settled },
  };
};

/**
 * A call's schedule memory once a lockfile's is imported beside the store's: the store's
 * `since` and `reportedThrough` stay (one it lacks comes along), and what the lockfile's let
 * go joins what the store's did (mergeLetGo): the slots `state.keep` let go are never due
 * again, and the calls their entries rang still count toward per-number limits. Pushing the
 * same lockfile again changes nothing. Pure.
 */
export const importedMemory = (
  store: ScheduleMemory | undefined,
  lockfile: ScheduleMemory,
): ScheduleMemory => {
  if (store === undefined) return lockfile;
  return {
    since: store.since,
    ...(store.reportedThrough === undefined ? {} : { reportedThrough: store.reportedThrough }),
    ...mergeLetGo(store, lockfile),
  };
};
