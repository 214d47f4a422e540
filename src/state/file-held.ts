import type { Journal } from './journal.js';
import type { FileIdentity, LockfileWrite } from './lockfile.js';
import type { NumberIndex } from './number-index.js';
import type { LockDraft } from './record.js';
import type { FolderMoved, RunLockHolder, RunLockLost } from './runlock.js';
import type { Spool } from './spool.js';
import type { Claim } from './store.js';
import type { Lockfile } from './types.js';

/** What the store has while it holds the run lock. */
export interface Held {
  /** The lockfile as recorded so far (one copy of its calls per batch of outcomes). */
  draft: LockDraft;
  /** Where a large run's draft puts its placed entries until the lockfile is written. */
  readonly spool?: Spool;
  /** The lock last read from or written to the lockfile (shared: never changed in place). */
  lastWritten: Lockfile;
  /** The lockfile this run wrote last, and what writing it gave (to index it with its copy). */
  lastWrite?: { readonly lock: Lockfile; readonly write: LockfileWrite };
  /**
   * The lock `.callops/written.lock` holds (empty when there is none); undefined when it is
   * known to differ from the view, and is not kept (a lockfile pulled from git: its copy,
   * read in full, would be held for nothing but to be written over).
   */
  copy: Lockfile | undefined;
  /** The lock retention was last applied to (not pruned again while it is current). */
  pruned: Lockfile;
  journal: Journal | undefined;
  /** The journal being opened (claims that come together share one). */
  opening?: Promise<Journal>;
  /** Keys claimed in this run whose outcome is not recorded yet. */
  readonly open: Map<string, Claim>;
  /** Keys whose outcome is in the journal though the view could not take it (yet). */
  journaledAside?: Set<string>;
  /** The first failure to write the journal; from then on nothing is claimed. */
  journalError?: Error;
  /** persist() failed and said so: releasing the run lock does not say it again. */
  persistFailed?: true;
  /**
   * Whether `.callops/run.lock` is still the file this run took (RunLockResult's `lost`):
   * asked after every journal commit of intents, before they are released to be sent.
   */
  readonly lost: () =>
    | { readonly holder?: RunLockHolder; readonly moved?: FolderMoved }
    | undefined;
  /** Set once the run lock was found lost: from then on nothing is claimed. */
  lockLost?: RunLockLost;
  /**
   * The lockfile's file as this run last read or wrote it (undefined: there was none). Any
   * other file there was left by another writer, and is taken in before the view is used
   * or written (foldForeign).
   */
  seen: FileIdentity | undefined;
  /** Keys found placed twice and said so, each pair of sids once. */
  readonly warned: Set<string>;
  /**
   * Per-number limits: number digest → key → epoch ms of each entry that may have rung
   * (placed, unknown, in flight). Built from the view on the first limited claim, then kept.
   * A campaign row's claim asks nothing of it: the run lock admits one runner, so no claim
   * can come between the plan (which holds a row whose number the campaign dialled, in this
   * run too) and this one's.
   */
  numbers?: NumberIndex;
}
