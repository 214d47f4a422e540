import type { EntryStatus } from '../execute/outcome.js';

/** One entry of callops.lock, keyed by placement key. */
export interface LockEntry {
  readonly status: EntryStatus;
  readonly sid?: string;
  readonly callId?: string;
  /** ISO-8601 UTC. */
  readonly at: string;
  readonly definition: string;
  readonly file: string;
  readonly httpStatus?: number;
  readonly message?: string;
  /** How the entry was settled by hand (`callops resolve`), if it was. */
  readonly resolvedBy?: 'hand';
}

export interface Lockfile {
  readonly lockfileVersion: 1;
  readonly calls: Readonly<Record<string, LockEntry>>;
}
