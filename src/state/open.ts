import type { Diagnostic } from '../validate/diagnostic.js';
import { openFileStore } from './file-store.js';
import { refuseLockfileAhead } from './lockfile-ahead.js';
import { recordReceived } from './received.js';
import type { Retention, StateConfig, StateStore, StateUse } from './store.js';

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
  /** `callops state push` reading the file store (its lockfile is to be imported). */
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
 * when the project's lockfile, or a journal in `.callops/`, holds placements the database
 * lacks (./lockfile-ahead.ts): planning from the database would place them again.
 */
export const openStateStore = async (config: StateConfig, site: StoreSite): Promise<StateStore> => {
  if (config.backend === 'file') {
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
  });
  try {
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
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
};
