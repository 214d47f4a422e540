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
  /** Earlier placements of this key, oldest first, kept when `apply --replace` placed it again. */
  readonly history?: readonly PreviousPlacement[];
}

/** A placement an `apply --replace` superseded. */
export interface PreviousPlacement {
  readonly sid: string;
  readonly callId?: string;
  /** ISO-8601 UTC: when it was placed. */
  readonly at: string;
}

export interface Lockfile {
  readonly lockfileVersion: 1;
  readonly calls: Readonly<Record<string, LockEntry>>;
}
