import { join } from 'node:path';
import type { Env, Secret } from '../resolve/index.js';
import { resolveState } from '../resolve/state.js';
import type { ConflictMerged } from '../state/lockfile-conflict.js';
import { openStateStore } from '../state/open.js';
import type { RetainedCall } from '../state/retention.js';
import {
  describeHolder,
  leaseAdvice,
  livenessOf,
  lockAdvice,
  runLockInUse,
} from '../state/runlock.js';
import {
  type LockHolder,
  type LockLoss,
  nothingDone,
  type StateStore,
  type StateUse,
} from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { ProjectConfig, ValidatedProject } from '../validate/model.js';
import { EngineError } from './errors.js';
import type { EventSink } from './events.js';
import { tightenHeapForLockfile } from './heap.js';

export const stateDirOf = (root: string): string => join(root, '.callops');

/** The lockfile's name as users read it (relative to the project root). */
export const lockNameOf = (config: Pick<ProjectConfig, 'lockfile'>): string => config.lockfile;

export interface OpenedState {
  readonly store: StateStore;
  /** The database URL and its password: the caller's redactor must know them. */
  readonly secrets: readonly Secret[];
}

/**
 * The store `state:` names, its `${VAR}` references resolved from `env`. A reference that
 * cannot be resolved is a diagnostic (the command stops: an apply sends nothing); a database that cannot be reached
 * is a state error naming neither the URL nor its password.
 */
export const openState = async (
  config: ProjectConfig,
  env: Env,
  site: {
    readonly command: string;
    readonly signal?: AbortSignal;
    readonly restore?: boolean;
    /** What the command does with the state (send, record, read: the default). */
    readonly use?: StateUse;
    /**
     * The project's calls by name (`ValidatedProject.named`), asked at each pruning: with them
     * the view drops what `state.keep` lets go. `run` gives those of each reload (RetainedCalls).
     */
    readonly calls?: () => readonly RetainedCall[];
    /** `state.keep` as it is now (`run`: of each reload); default the one of `config`. */
    readonly keepMs?: () => number;
    /** The instant `state.keep` is judged at (default: the clock). */
    readonly now?: () => Date;
    /** A database store skips comparing the lockfile with it (see StoreSite). */
    readonly skipLockfileCheck?: boolean;
    /** `callops state push` (see StoreSite's `pushing`). */
    readonly pushing?: boolean;
    /** `--env-file FILE` as typed, when given: where a missing variable may be set. */
    readonly envFile?: string;
    /**
     * Called with the diagnostics of a `state:` that cannot be resolved, and with a warning
     * of the lockfile that is no reason to refuse it (two entries holding one sid).
     */
    readonly onDiagnostics?: (diagnostics: readonly Diagnostic[]) => void;
    /** Says a store's warning (a key found placed twice), one line. */
    readonly warn?: (message: string) => void;
    /** The command places calls by this runner's clock (see StoreSite's `placing`). */
    readonly placing?: boolean;
    /**
     * Told how many outcomes a database store recorded as it opened, from what `callops
     * receive` accepted and could not record (state/received.ts).
     */
    readonly received?: (recorded: number) => void;
  },
): Promise<OpenedState> => {
  const resolved = resolveState(config.state, env, site.envFile);
  if (!resolved.ok) {
    site.onDiagnostics?.(resolved.diagnostics);
    const undone = nothingDone(site.use);
    throw new EngineError(
      'invalid',
      `the state store cannot be opened${undone === undefined ? '' : `; ${undone}`}`,
    );
  }
  try {
    const store = await openStateStore(resolved.state, {
      stateDir: stateDirOf(config.root),
      lockPath: join(config.root, config.lockfile),
      lockName: config.lockfile,
      command: site.command,
      ...(site.signal ? { signal: site.signal } : {}),
      ...(site.restore === true && { restore: true }),
      ...(site.use === undefined ? {} : { use: site.use }),
      ...(site.skipLockfileCheck === true && { skipLockfileCheck: true }),
      ...(site.pushing === true && { pushing: true }),
      ...(site.warn && { warn: site.warn }),
      ...(site.placing === true && { placing: true }),
      ...(site.received && { received: site.received }),
      ...(site.onDiagnostics && { warnDiagnostic: (d: Diagnostic) => site.onDiagnostics?.([d]) }),
      // A large lockfile read in full: the heap kept close to what it holds (heap.ts).
      readingWhole: tightenHeapForLockfile,
      ...(site.calls && {
        retention: {
          calls: site.calls,
          // Read at each pruning: an edited `keep` takes effect at `run`'s next wake.
          get keepMs() {
            return site.keepMs?.() ?? keptFor(config);
          },
          // The calls let go that the limit counts: a number's latest N (one raised later
          // finds where each number's memory was cut, state/rang.ts).
          each: config.perNumber?.count ?? 1,
          ...(site.now ? { now: site.now } : {}),
        },
      }),
    });
    return { store, secrets: resolved.secrets };
  } catch (error) {
    if (error instanceof EngineError) throw error;
    throw new EngineError('state', error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
};

/**
 * How long entries past their deadline stay: `state.keep`, but never less than the window of
 * `limits.per_number`, whose count reads the entries of its window: one let go sooner would
 * let the limit place another call to its number within the window.
 */
export const keptFor = (config: ProjectConfig): number =>
  Math.max(config.state.keepMs, config.perNumber?.windowMs ?? 0);

/**
 * The calls `state.keep` goes by, as the store asks them at each pruning: `run` moves them to
 * the definitions of each reload (`follow`). Retention then judges entries by the deadlines
 * written now and a removed call's from its slot, and never reads a campaign's rows (see
 * ValidatedProject's `named`): a CSV edited since it was read cannot stop a write.
 */
export interface RetainedCalls {
  readonly calls: () => readonly RetainedCall[];
  /** `state.keep` as last read: an edited `keep` takes effect as the calls do. */
  readonly keepMs: () => number;
  readonly follow: (project: ValidatedProject) => void;
}

export const retainedCalls = (project: ValidatedProject): RetainedCalls => {
  let current = project.named;
  let keepMs = keptFor(project.config);
  return {
    calls: () => current,
    keepMs: () => keepMs,
    follow: (next) => {
      current = next.named;
      keepMs = keptFor(next.config);
    },
  };
};

/** A state error as the engine throws it: one line, whatever the store said. */
export const stateError = (error: unknown): EngineError =>
  error instanceof EngineError
    ? error
    : new EngineError('state', error instanceof Error ? error.message : String(error), {
        cause: error,
      });

export interface HeldState {
  readonly lock: Lockfile;
  /** Keys written back from `.callops/` (`state pull` on the file store). */
  readonly restored: readonly string[];
  /** Schedule memories `.callops/` added to (`state pull` on the file store). */
  readonly remembered: readonly string[];
  /** Whether `.callops/` recorded anything to write back (`state pull` on the file store). */
  readonly recorded: boolean;
  /** The lockfile's git conflict, merged from its two sides (`state pull` on the file store). */
  readonly conflict?: ConflictMerged;
  release(): Promise<void>;
  /** Whether the lock was lost since (see LockResult's `lost`). */
  lost(): LockLoss | undefined;
}

/**
 * "callops.lock is in use: the run lock .callops/run.lock is held by pid 12 on host a since
 * … running `callops run`. …" (a database's: "… is in use: held by pid 12 …"): what to do depends on
 * the store, as a file store's lock of a run that is gone stays until cleared, a database's
 * only until the holder's lease runs out.
 */
export const lockedError = (
  lockName: string,
  holder: LockHolder,
  now: Date,
  backend: StateStore['backend'],
  /** How long the command waited for the holder (a `callops receive`), in vain. */
  waitedMs?: number,
): EngineError => {
  const liveness = livenessOf(holder);
  const advice =
    backend === 'file'
      ? lockAdvice(holder, liveness, waitedMs)
      : leaseAdvice(holder, liveness, now);
  const held =
    backend === 'file'
      ? runLockInUse(lockName, holder, now)
      : `${lockName} is in use: ${describeHolder(holder, now)}`;
  return new EngineError('locked', `${held}. ${advice}`);
};

/**
 * Takes the store's single-holder lock (refused at once when another runner holds it; on the
 * file store a `callops receive` recording a batch is waited for, a while), which on the file
 * store also folds a journal an earlier run left. Said through `sink`: a wait that lasts,
 * what was recovered, and a stale lock taken over.
 */
export const holdState = async (
  store: StateStore,
  lockName: string,
  command: string,
  sink: EventSink,
): Promise<HeldState> => {
  const now = new Date();
  let taken: Awaited<ReturnType<StateStore['lock']>>;
  try {
    taken = await store.lock({
      command,
      now,
      // Said while the wait goes on: nothing waits for the note.
      waiting: (holder) => {
        Promise.resolve(sink({ type: 'state:waiting', holder })).catch(() => undefined);
      },
    });
  } catch (error) {
    throw stateError(error);
  }
  // Its age as of the refusal: a run that took the lock while this one asked took it after
  // `now`, and would read as taken in the future.
  if (!taken.ok) {
    throw lockedError(lockName, taken.holder, new Date(), store.backend, taken.waitedMs);
  }
  try {
    if (taken.tookOver) await sink({ type: 'state:took-over', holder: taken.tookOver });
    const folded = taken.recovered;
    if (folded && folded.placed + folded.failed + folded.unknown > 0) {
      await sink({ type: 'state:recovered', ...folded });
    }
    if (taken.received !== undefined && taken.received > 0) {
      await sink({ type: 'state:received', recorded: taken.received });
    }
    const view = await store.read();
    const lost = () => taken.lost?.();
    return {
      lock: view.lock,
      restored: taken.restored ?? [],
      remembered: taken.remembered ?? [],
      recorded: taken.recorded ?? false,
      ...(taken.conflict && { conflict: taken.conflict }),
      release: taken.release,
      lost,
    };
  } catch (error) {
    await taken.release();
    throw stateError(error);
  }
};

/** Read-only view for plan/status: what the store holds, claims without outcomes unknown. */
export const readState = async (store: StateStore): Promise<Lockfile> => {
  try {
    return (await store.read()).lock;
  } catch (error) {
    throw stateError(error);
  }
};
