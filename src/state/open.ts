import type { Diagnostic } from '../validate/diagnostic.js';
import { openFileStore } from './file-store.js';
import { refuseLockfileAhead } from './lockfile-ahead.js';
import { MOVED_NAME, recordMoved, refuseMoved } from './moved.js';
import { refuseMovedElsewhere } from './moved-elsewhere.js';
import { DEFAULT_SCHEMA } from './postgres/schema.js';
import { recordReceived } from './received.js';
import {
  nothingDone,
  type Retention,
  type StateConfig,
  type StateStore,
  type StateUse,
} from './store.js';
import { refuseUnusableState } from './usable.js';
import { systemCode, whyNotWritten } from './write-failure.js';

export interface StoreSite {
  /** The project's `.callops/` directory. */
  readonly stateDir: string;
  /** The lockfile's path, and its name as shown to users. */
  readonly lockPath: string;
  readonly lockName: string;
  /** What this runner is, e.g. "callops apply": other runners see it. */
  readonly command: string;
  /** `callops state pull` on the file store: write back what `.callops/` holds. */
  readonly restore?: boolean;
  /**
   * `callops state push`: the file store is read for its lockfile to be imported (the marker
   * of a move to the database, ./moved.ts, does not stop it); the database store records the
   * move only once the import is done (engine/transfer.ts), not as it opens.
   */
  readonly pushing?: boolean;
  /** What the command does with the state: what the file store's refusals say it did not do. */
  readonly use?: StateUse;
  /** Aborts a commit held by the test failpoint. */
  readonly signal?: AbortSignal;
  /** `state.keep` with the project's calls; commands that do not load the calls leave it out. */
  readonly retention?: Retention;
  /**
   * The command neither plans nor writes the lockfile view (`state push` imports the
   * lockfile; unlock, resolve and receive change only what the database holds): a database
   * store opens without comparing the lockfile with it.
   */
  readonly skipLockfileCheck?: boolean;
  /** Says a warning a person must read (the file store: a key found placed twice). */
  readonly warn?: (message: string) => void;
  /**
   * The command places calls by this runner's clock (`apply` but a rehearsal, `run`): a
   * database store leaves a clock too wrong to place by to the command to say.
   */
  readonly placing?: boolean;
  /** Told of a problem of the lockfile that is no reason to refuse it (file store). */
  readonly warnDiagnostic?: (warning: Diagnostic) => void;
  /** Told the size of a lockfile the file store is about to read in full. */
  readonly readingWhole?: (bytes: number) => void;
  /**
   * Told how many outcomes a database store recorded as it opened to send or record: what
   * `callops receive` accepted in this folder and could not record (./received.ts). The file
   * store records them as it takes its run lock (LockResult's `received`).
   */
  readonly received?: (recorded: number) => void;
}

/**
 * Open the store `state:` chooses. The Postgres client is loaded only for a Postgres store,
 * so commands on the file store do not pay for it. A Postgres store is refused (and closed)
 * when `.callops/` records that this folder's state is under another schema or in another
 * database (./moved-elsewhere.ts), and when the project's lockfile, or a journal in
 * `.callops/`, holds placements the database lacks (./lockfile-ahead.ts): planning from the
 * database would place them again. Once open,
 * it records in `.callops/` that the state is in the database (./moved.ts), and the file
 * store refuses to open while that record stands: callops.lock lacks what the database placed.
 */
/** The schema a database store keeps its tables in (`callops` unless `state.schema` says). */
const schemaOf = (config: Extract<StateConfig, { backend: 'postgres' }>): string =>
  config.schema ?? DEFAULT_SCHEMA;

/**
 * `callops state push` imported the lockfile into the database `config` names: recorded in
 * `.callops/` as the move (./moved.ts). One that cannot be recorded is said, not fatal.
 */
export const recordPushed = async (
  stateDir: string,
  config: StateConfig,
  store: StateStore,
  warn?: (message: string) => void,
): Promise<void> => {
  if (config.backend !== 'postgres') return;
  const { stateId } = store;
  await recordMoved(stateDir, schemaOf(config), {
    pushed: true,
    ...(stateId !== undefined && { stateId }),
  }).catch(movedNotRecorded(warn));
};

export const openStateStore = async (config: StateConfig, site: StoreSite): Promise<StateStore> => {
  // Either store keeps files in `.callops/`: a file in its place is said before anything
  // meets it, in words, never as the system's error of the first call that did.
  await refuseUnusableState({
    stateDir: site.stateDir,
    keeps:
      config.backend === 'file'
        ? 'its journal and run lock'
        : 'the record that the state is in the database, and what `callops receive` accepted',
    ...(config.backend === 'file' && { lock: { path: site.lockPath, name: site.lockName } }),
    ...withUndone(site.pushing === true ? 'nothing was imported' : nothingDone(site.use)),
  });
  if (config.backend === 'file') {
    if (site.pushing !== true) await refuseMoved(site.stateDir, site.lockName, site.use);
    return openFileStore({
      stateDir: site.stateDir,
      lockPath: site.lockPath,
      lockName: site.lockName,
      ...(site.restore === true && { restore: true }),
      ...(site.pushing === true && { pushing: true }),
      ...(site.use === undefined ? {} : { use: site.use }),
      ...(site.signal ? { signal: site.signal } : {}),
      ...(site.retention ? { retention: site.retention } : {}),
      ...(site.warn ? { warn: site.warn } : {}),
      ...(site.warnDiagnostic ? { warnDiagnostic: site.warnDiagnostic } : {}),
      ...(site.readingWhole ? { readingWhole: site.readingWhole } : {}),
    });
  }
  const { openPostgresStore } = await import('./postgres/store.js');
  const store = await openPostgresStore({
    url: config.url,
    ...(config.schema === undefined ? {} : { schema: config.schema }),
    ...(config.pgsslmode === undefined ? {} : { pgsslmode: config.pgsslmode }),
    command: site.command,
    ...(site.signal ? { signal: site.signal } : {}),
    ...(site.retention ? { retention: site.retention } : {}),
    ...(site.warn ? { warn: site.warn } : {}),
    ...(site.placing === true && { placing: true }),
  });
  try {
    // Every command, `state pull` and `state push` too: a pull would write callops.lock from
    // the wrong schema and remove the record, a push import into it.
    await refuseMovedElsewhere(
      site.stateDir,
      site.lockName,
      {
        schema: schemaOf(config),
        stateId: store.stateId,
        stateIdOf: store.stateIdOf,
        holdsEntries: store.holdsEntries,
      },
      site.use,
    );
    if (site.skipLockfileCheck !== true)
      await refuseLockfileAhead(
        {
          stateDir: site.stateDir,
          lockPath: site.lockPath,
          lockName: site.lockName,
          ...(site.use === undefined ? {} : { use: site.use }),
          ...(site.restore === true && { pulling: true }),
        },
        store.lacking,
      );
    // Outcomes are recorded on rows, beside other runners: no lock is needed for them. A
    // command that only reads leaves them to the next that sends or records.
    if (site.use === 'send' || site.use === 'record') {
      const recorded = await recordReceived(site.stateDir, {
        view: async () => (await store.read()).lock,
        observe: store.observe,
        persist: store.persist,
      });
      if (recorded > 0) site.received?.(recorded);
    }
    // Before anything is sent; `state pull` removes the record, `state push` writes it itself.
    if (site.restore !== true && site.pushing !== true)
      await recordMoved(site.stateDir, schemaOf(config), {
        ...(store.stateId !== undefined && { stateId: store.stateId }),
      }).catch(movedNotRecorded(site.warn));
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
};

const withUndone = (undone: string | undefined) => (undone === undefined ? {} : { undone });

/** A folder the command may not write: a read-only mount, another user's project. */
const UNWRITABLE = new Set(['EACCES', 'EPERM', 'EROFS']);

/**
 * The record of the move not written: the command goes on (the database is the state). In a
 * folder it may not write (a read-only volume) that is said to no one: the file store cannot
 * take its run lock there either, so nothing can be placed from here. Anything else (a full
 * disk) is a warning, "cannot write .callops/moved-to-postgres.json: …": a later command on
 * the file store in this folder would not see the move.
 */
const movedNotRecorded =
  (warn: ((message: string) => void) | undefined) =>
  (error: unknown): void => {
    const code = systemCode(error);
    if (code !== undefined && UNWRITABLE.has(code)) return;
    warn?.(
      `cannot write ${MOVED_NAME}: ${whyNotWritten(code, error)}; it records that the state is in the database, so that the file store in this folder refuses to plan from a callops.lock that lacks what the database placed. Until it can be written, run \`callops state pull\` before setting \`state:\` back to the file store`,
    );
  };
