import { mkdir } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { Outcome } from '../execute/outcome.js';
import { type Journal, openJournal } from './journal.js';
import { readLockfile, writeLockfileAtomic } from './lockfile.js';
import { type DefinitionMeta, recordOutcome, recordOutcomes } from './record.js';
import { clearJournal, recoverJournal, replayJournal } from './replay.js';
import { acquireRunLock, describeHolder } from './runlock.js';
import {
  type Claim,
  type ImportResult,
  IN_FLIGHT,
  type LockResult,
  planImport,
  type StateStore,
  type StateView,
} from './store.js';
import type { LockEntry, Lockfile } from './types.js';

export interface FileStoreOptions {
  /** The project's `.callops/` directory (journal and run lock). */
  readonly stateDir: string;
  /** The lockfile's path. */
  readonly lockPath: string;
  /** The lockfile's name in messages (relative to the project; default its base name). */
  readonly lockName?: string;
  readonly clock?: () => Date;
}

export interface FileStore extends StateStore {
  /**
   * Write the recorded outcomes into the lockfile (atomically) and, when no claim is open,
   * clear the journal. `release()` of the run lock does it; `run` may call it between batches.
   */
  persist(): Promise<void>;
}

/** The calls in lockfile order (by UTF-16 code unit, as serializeLockfile writes them). */
const sortedLock = (lock: Lockfile): Lockfile => ({
  lockfileVersion: lock.lockfileVersion,
  calls: Object.fromEntries(
    Object.keys(lock.calls)
      .sort()
      .map((key) => [key, lock.calls[key] as LockEntry]),
  ),
});

/** What this store has while it holds the run lock. */
interface Held {
  lock: Lockfile;
  journal: Journal | undefined;
  /** Keys claimed in this run whose outcome is not recorded yet. */
  readonly open: Map<string, Claim>;
  /** Outcomes recorded since the lockfile was last written. */
  dirty: boolean;
}

/**
 * The file store: callops.lock is the view, `.callops/journal.jsonl` the durable claims and
 * outcomes, `.callops/run.lock` the single-holder lock. Only one runner at a time: claims and
 * outcomes need the run lock, held by this store. Taking it folds a journal an earlier run
 * left into the lockfile first (recoverJournal), so the view starts from what happened.
 */
export const openFileStore = (options: FileStoreOptions): FileStore => {
  const { stateDir, lockPath } = options;
  const lockName = options.lockName ?? basename(lockPath);
  const clock = options.clock ?? (() => new Date());
  let held: Held | undefined;
  let releaseHeld: (() => Promise<void>) | undefined;

  const readLock = async (): Promise<Lockfile> => {
    const read = await readLockfile(lockPath, { file: lockName });
    if ('error' in read) {
      const d = read.error;
      throw new Error(`${d.file}:${d.line}:${d.column}: ${d.message}`);
    }
    return read.lock;
  };

  const mustHold = (what: string): Held => {
    if (held === undefined) {
      throw new Error(`the file store ${what} only while it holds the run lock (lock() first)`);
    }
    return held;
  };

  const persist = async (): Promise<void> => {
    const h = held;
    if (h === undefined) return;
    if (h.dirty) {
      await writeLockfileAtomic(lockPath, h.lock);
      h.dirty = false;
    }
    // An open claim's intent must stay on disk until its outcome is: keep the journal then.
    if (h.journal && h.open.size === 0) {
      await h.journal.close();
      h.journal = undefined;
      await clearJournal(stateDir);
    }
  };

  const lock = async (who: { command: string; now: Date }): Promise<LockResult> => {
    if (held) throw new Error('the file store already holds the run lock');
    const acquired = await acquireRunLock(stateDir, who);
    if (!acquired.ok) return acquired;
    try {
      // `lockfile: state/callops.lock` may name a folder that does not exist yet.
      await mkdir(dirname(lockPath), { recursive: true });
      const { lock: recovered } = await recoverJournal(stateDir, lockPath, await readLock());
      held = { lock: recovered, journal: undefined, open: new Map(), dirty: false };
    } catch (error) {
      await acquired.release();
      throw error;
    }
    const release = async (): Promise<void> => {
      if (held === undefined) return;
      try {
        await persist();
        await held.journal?.close();
      } finally {
        held = undefined;
        releaseHeld = undefined;
        await acquired.release();
      }
    };
    releaseHeld = release;
    return {
      ok: true,
      holder: acquired.holder,
      ...(acquired.tookOver ? { tookOver: acquired.tookOver } : {}),
      release,
    };
  };

  const viewOf = (h: Held): StateView => {
    const inFlight = [...h.open.values()].map((c) => ({
      outcome: {
        key: c.key,
        status: 'unknown' as const,
        at: c.at ?? clock().toISOString(),
        message: IN_FLIGHT,
      },
      meta: { definition: c.definition, file: c.file },
    }));
    return { lock: recordOutcomes(h.lock, inFlight), inFlight: new Set(h.open.keys()) };
  };

  const read = async (): Promise<StateView> => {
    if (held) return viewOf(held);
    // Read-only: a journal left by another run is folded in memory, its open intents unknown.
    const { lock: folded } = await replayJournal(stateDir, await readLock());
    return { lock: folded, inFlight: new Set() };
  };

  const claim = async (c: Claim): Promise<boolean> => {
    const h = mustHold('claims calls');
    const entry = h.lock.calls[c.key];
    if (!h.open.has(c.key)) {
      if (entry?.status === 'placed') return false;
      if (entry?.status === 'unknown' && c.retryUnknown !== true) return false;
    }
    h.journal ??= await openJournal(stateDir, { clock });
    await h.journal.intent({
      key: c.key,
      target: c.target,
      attempt: c.attempt,
      definition: c.definition,
      file: c.file,
      at: c.at ?? clock().toISOString(),
    });
    h.open.set(c.key, c);
    return true;
  };

  const record = async (outcome: Outcome & DefinitionMeta): Promise<void> => {
    const h = mustHold('records outcomes');
    if (outcome.status === 'missed') return;
    if (!h.open.has(outcome.key) || h.journal === undefined) {
      throw new Error(`${outcome.key} was not claimed by this run: its outcome is not recorded`);
    }
    await h.journal.outcome(outcome);
    h.lock = recordOutcome(h.lock, outcome, outcome);
    h.open.delete(outcome.key);
    h.dirty = true;
  };

  const importInto = async (h: Held, incoming: Lockfile): Promise<ImportResult> => {
    const planned = planImport(h.lock, incoming);
    if ('conflicts' in planned) return { ok: false, conflicts: planned.conflicts };
    const imported = Object.keys(planned.added).length;
    if (imported > 0) {
      h.lock = { lockfileVersion: 1, calls: { ...h.lock.calls, ...planned.added } };
      await writeLockfileAtomic(lockPath, h.lock);
      h.dirty = false;
    }
    return { ok: true, imported, unchanged: planned.unchanged };
  };

  const importLock = async (incoming: Lockfile): Promise<ImportResult> => {
    if (held) return importInto(held, incoming);
    const now = clock();
    const taken = await lock({ command: 'callops state push', now });
    if (!taken.ok) {
      throw new Error(`${lockName} is in use: ${describeHolder(taken.holder, now)}`);
    }
    try {
      return await importInto(mustHold('imports'), incoming);
    } finally {
      await taken.release();
    }
  };

  return {
    concurrentRunners: false,
    read,
    claim,
    record,
    lock,
    persist,
    export: async () => sortedLock((await read()).lock),
    import: importLock,
    close: async () => {
      await releaseHeld?.();
    },
  };
};
