import type { EntryStatus, Outcome } from '../execute/outcome.js';
import { everyEntry, takeSlot } from './calls-summary.js';
import { layeredCalls, layersOf, rawOf } from './layered.js';
import { cleanEntry } from './lockfile-shape.js';
import { entryText } from './lockfile-text.js';
import { packedEntry, packingPlacedEntries } from './packed-entry.js';
import type { Spool, SpoolView } from './spool.js';
import type { LockEntry, Lockfile, ResolvedBy } from './types.js';

/** Where a placement's definition came from, recorded beside its outcome. */
export interface DefinitionMeta {
  /** "sha256:…" of the call's source definition. */
  readonly definition: string;
  /** The call file, relative to the project root. */
  readonly file: string;
  /** A deliberate placement of a placed key again (`apply --replace`). */
  readonly replace?: boolean;
  /** `sha256:<hex16>` of the number the placement dials, as compared (numberDigest). */
  readonly number?: string;
  /** `sha256:<hex16>` of the gateway the placement goes to (recordedGateway). */
  readonly gateway?: string;
}

const withEntry = (lock: Lockfile, key: string, entry: LockEntry): Lockfile => ({
  ...lock,
  calls: { ...lock.calls, [key]: cleanEntry(entry) },
});

/**
 * The entry an outcome makes: what cleanEntry gives for the same fields (in its order, absent
 * ones left out), built by named assignments instead of a walk over every field name. A placed
 * one is packed (packed-entry.ts) when `pack` says so (by default, when a large run packs).
 */
export const entryOf = (
  outcome: Outcome & { readonly status: EntryStatus },
  meta: DefinitionMeta,
  pack = packingPlacedEntries(),
): LockEntry => {
  // The usual placement, built as one literal: its fields sit in the object itself. Added
  // one by one to `{ status }`, they went to a separate array of properties, some 30 bytes
  // more an entry, and a run keeps an entry for each of its calls.
  const { sid, callId, at } = outcome;
  const { definition, file, number, gateway } = meta;
  if (
    outcome.status === 'placed' &&
    sid !== undefined &&
    callId !== undefined &&
    at !== undefined &&
    definition !== undefined &&
    file !== undefined
  ) {
    return (
      (pack ? packedEntry(sid, callId, at, definition, file, number, gateway) : undefined) ??
      (gateway === undefined
        ? number === undefined
          ? { status: 'placed', sid, callId, at, definition, file }
          : { status: 'placed', sid, callId, at, definition, file, number }
        : number === undefined
          ? { status: 'placed', sid, callId, at, definition, file, gateway }
          : { status: 'placed', sid, callId, at, definition, file, number, gateway })
    );
  }
  const entry: { -readonly [K in keyof LockEntry]: LockEntry[K] } = {
    status: outcome.status,
  } as LockEntry;
  if (outcome.sid !== undefined) entry.sid = outcome.sid;
  if (outcome.callId !== undefined) entry.callId = outcome.callId;
  if (outcome.at !== undefined) entry.at = outcome.at;
  if (meta.definition !== undefined) entry.definition = meta.definition;
  if (meta.file !== undefined) entry.file = meta.file;
  if (meta.number !== undefined) entry.number = meta.number;
  if (meta.gateway !== undefined) entry.gateway = meta.gateway;
  // A placed entry is the sid and callId; status and message matter only when it was not.
  if (outcome.status !== 'placed') {
    if (outcome.httpStatus !== undefined) entry.httpStatus = outcome.httpStatus;
    if (outcome.message !== undefined) entry.message = outcome.message;
  }
  return entry;
};

/** The history an entry keeps when `outcome` follows `current`. */
const historyAfter = (current: LockEntry | undefined): LockEntry['history'] => {
  if (current === undefined) return undefined;
  if (current.status !== 'placed' || current.sid === undefined) return current.history;
  const previous = {
    sid: current.sid,
    ...(current.callId === undefined ? {} : { callId: current.callId }),
    at: current.at,
    // The number it rang still counts toward per-number limits, and for campaigns.
    ...(current.number === undefined ? {} : { number: current.number }),
  };
  return [...(current.history ?? []), previous];
};

/** The entry `key` has after `outcome`, or undefined when the outcome changes nothing. */
const nextEntry = (
  current: LockEntry | undefined,
  outcome: Outcome,
  meta: DefinitionMeta,
  pack?: boolean,
): LockEntry | undefined => {
  if (outcome.status === 'missed') return undefined;
  if (current?.status === 'placed' && (meta.replace !== true || current.sid === outcome.sid))
    return undefined;
  const history = historyAfter(current);
  // Not `missed` (returned above): an entry's status.
  const entry = entryOf(outcome as Outcome & { readonly status: EntryStatus }, meta, pack);
  return history === undefined ? entry : cleanEntry({ ...entry, history });
};

/**
 * Outcomes recorded into a lockfile one by one, the calls map copied once per batch: the
 * first change after a `lock` snapshot copies it, later ones change that copy in place. So
 * recording n outcomes into a lockfile of N entries costs O(N + n), not O(N·n), and a batch
 * that changes nothing copies nothing. Snapshots are never changed afterwards.
 */
export interface LockDraft {
  /** Record one outcome (the rules of recordOutcomes); true when it changed the lock. */
  record(outcome: Outcome, meta: DefinitionMeta): boolean;
  /** The entry `key` has so far (without ending the batch, as reading `lock` does). */
  entry(key: string): LockEntry | undefined;
  /** The lockfile as recorded so far: the given lock itself while nothing changed. */
  readonly lock: Lockfile;
  /** Whether any outcome changed the lock since the draft began. */
  readonly changed: boolean;
}

/** The calls a draft records into, and where its changes go. */
interface Copy {
  readonly calls: Record<string, LockEntry>;
  /** The changes layered over the base, when the calls are layered. */
  readonly changes?: Map<string, LockEntry>;
  /** The spooled records the calls see, when they see any. */
  readonly spooled?: SpoolView;
}

/**
 * A copy of `calls` to record into. Of a lockfile read through its index (or such a copy
 * given out before), the file's entries stay where they are and the changes are layered over
 * them (layered.ts): one call placed beside 100,000 entries parses none of them, and the
 * lockfile is written with theirs as the bytes they were. With a spool (a large run of the
 * file store), placed entries go to it, layered over any calls. Otherwise every entry is copied.
 */
const copyOf = (calls: Lockfile['calls'], spool: Spool | undefined): Copy => {
  const layers = layersOf(calls);
  const base = layers?.base ?? calls;
  const raw = layers !== undefined ? layers.raw : rawOf(base);
  const seen = layers?.spooled;
  // The records these calls see; a spool's next ones too when they see up to its end (a
  // spool is added to by one draft at a time: the one whose calls reach its end).
  const spooled: SpoolView | undefined =
    seen !== undefined
      ? { spool: seen.spool, from: seen.from, count: seen.count }
      : spool !== undefined
        ? { spool, from: spool.size, count: spool.size }
        : undefined;
  if (raw !== undefined || spooled !== undefined) {
    try {
      // Its file is read after the lockfile is written again (replaced): kept open.
      raw?.pin();
      const changes = new Map(layers?.changes);
      return {
        calls: layeredCalls(base, raw, changes, spooled),
        changes,
        ...(spooled && { spooled }),
      };
    } catch {
      // The file changed since it was read: copied whole below, which says so.
    }
  }
  return { calls: { ...everyEntry(calls) } };
};

/**
 * Whether a draft puts `entry` in its spool: a placed entry of its first placement, which no
 * later outcome changes (placed is final; a replacement gets a history, and goes to the
 * changes over it), so that a key is spooled at most once.
 */
const spoolable = (entry: LockEntry, copy: Copy, spool: Spool | undefined, key: string): boolean =>
  spool !== undefined &&
  copy.spooled?.spool === spool &&
  copy.spooled.count === spool.size &&
  entry.status === 'placed' &&
  entry.history === undefined &&
  spool.find(key) === -1;

/**
 * `spool`: where the draft puts placed entries (file-store.ts, a large run), instead of
 * holding them until the lockfile is written.
 */
export const draftLock = (base: Lockfile, spool?: Spool): LockDraft => {
  let snapshot = base;
  let copy: Copy | undefined;
  let changed = false;
  return {
    record(outcome, meta) {
      // Not packed when it is to be spooled (its text is what is kept).
      const current = (copy?.calls ?? snapshot.calls)[outcome.key];
      const entry = nextEntry(current, outcome, meta, spool === undefined ? undefined : false);
      if (entry === undefined) return false;
      copy ??= copyOf(snapshot.calls, spool);
      const { calls, changes, spooled } = copy;
      if (
        spooled !== undefined &&
        spoolable(entry, copy, spool, outcome.key) &&
        spooled.spool.add(outcome.key, entryText(entry)) >= 0
      ) {
        changes?.delete(outcome.key);
        takeSlot(spooled.spool.earliest, outcome.key);
        spooled.count = spooled.spool.size;
      } else if (changes !== undefined) changes.set(outcome.key, entry);
      else calls[outcome.key] = entry;
      changed = true;
      return true;
    },
    entry(key) {
      return (copy?.calls ?? snapshot.calls)[key];
    },
    get lock() {
      if (copy !== undefined) {
        snapshot = { ...snapshot, calls: copy.calls };
        copy = undefined;
      }
      return snapshot;
    },
    get changed() {
      return changed;
    },
  };
};

/**
 * Record outcomes, in order. `placed` is final: an entry that is placed is never replaced,
 * so no later outcome (a replayed journal, a retry) can make a placed call look unplaced —
 * except by a deliberate replacement (`apply --replace`, `meta.replace`), whose outcome
 * becomes the entry while the earlier placement moves to its `history`. The same
 * replacement recorded twice (a journal folded again) changes nothing the second time.
 * Anything else replaces a failed or unknown entry, keeping the gateway's status and message
 * and the entry's history.
 * A `missed` slot was never sent and leaves no entry (the plan reports it as missed).
 * One copy of the calls map for the whole batch (none when nothing changes: `lock` itself
 * comes back), so recording n outcomes costs O(n), not O(n²).
 */
export const recordOutcomes = (
  lock: Lockfile,
  records: Iterable<{ readonly outcome: Outcome; readonly meta: DefinitionMeta }>,
): Lockfile => {
  const draft = draftLock(lock);
  for (const { outcome, meta } of records) draft.record(outcome, meta);
  return draft.lock;
};

export const recordOutcome = (lock: Lockfile, outcome: Outcome, meta: DefinitionMeta): Lockfile =>
  recordOutcomes(lock, [{ outcome, meta }]);

export type Settlement =
  | {
      readonly placed: string;
      readonly callId?: string;
      /** How the sid was found, kept as the entry's message (default: by hand). */
      readonly note?: string;
      /** Who found it, kept as the entry's resolvedBy (default: `hand`). */
      readonly resolvedBy?: ResolvedBy;
    }
  | { readonly notPlaced: true };

export const SETTLED_NOT_PLACED = 'settled by hand: not placed';
export const SETTLED_PLACED = 'settled by hand: placed';

/**
 * Settle an `unknown` entry (`callops resolve`). As placed it records the sid the user (or
 * `--check`, from the gateway's records) found; as not placed it becomes `failed`, so a later
 * apply retries it. Either way the entry stays the attempt it was: its `at` is when the
 * request went out and its `number` digest stays, so a placed call keeps counting toward
 * `limits.per_number` in the window of the call it was.
 */
export const settleUnknown = (
  lock: Lockfile,
  key: string,
  settlement: Settlement,
): Lockfile | { error: string } => {
  const entry = lock.calls[key];
  if (entry === undefined) {
    const unknown = Object.keys(lock.calls).filter((k) => lock.calls[k]?.status === 'unknown');
    const shown = unknown.sort().slice(0, 5).join(', ');
    const more = unknown.length > 5 ? `, … (${unknown.length} in all)` : '';
    return {
      error:
        unknown.length === 0
          ? `the lockfile has no entry ${JSON.stringify(key)}, and no unknown entries to settle`
          : `the lockfile has no entry ${JSON.stringify(key)}; unknown entries: ${shown}${more}`,
    };
  }
  if (entry.status !== 'unknown') {
    return {
      error: `${key} is ${entry.status}, not unknown: only unknown entries can be settled by hand`,
    };
  }
  const common = {
    at: entry.at,
    definition: entry.definition,
    file: entry.file,
    number: entry.number,
    gateway: entry.gateway,
    history: entry.history,
  };
  if ('placed' in settlement) {
    if (settlement.placed.trim() === '') return { error: 'the call sid must not be empty' };
    // One call has one sid: a sid already recorded is a copy-paste from the wrong entry,
    // and recording it would leave this call's real fate unknown under a "placed" status.
    const sid = settlement.placed.toLowerCase();
    const owner = Object.keys(lock.calls).find((k) => lock.calls[k]?.sid?.toLowerCase() === sid);
    if (owner !== undefined) {
      return {
        error: `the sid ${settlement.placed} is already recorded for ${owner}: one call has one sid — look up the sid of ${key} on the gateway`,
      };
    }
    return withEntry(lock, key, {
      ...common,
      status: 'placed',
      sid: settlement.placed,
      callId: settlement.callId,
      message: settlement.note ?? SETTLED_PLACED,
      resolvedBy: settlement.resolvedBy ?? 'hand',
    });
  }
  return withEntry(lock, key, {
    ...common,
    status: 'failed',
    message: SETTLED_NOT_PLACED,
    resolvedBy: 'hand',
  });
};

export type LockSummary = Readonly<Record<EntryStatus, number>> & { readonly total: number };

/** How many entries have each status. */
export const summarize = (lock: Lockfile): LockSummary => {
  const counts = { placed: 0, failed: 0, unknown: 0 };
  for (const entry of Object.values(lock.calls)) counts[entry.status]++;
  return { ...counts, total: counts.placed + counts.failed + counts.unknown };
};
