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

/**
 * What callops remembers of a scheduled call on a target (`<target>/<call>`), so that a
 * missed slot is reported once and never for a time before callops knew the call.
 */
export interface ScheduleMemory {
  /** ISO-8601: when apply or run first planned the call on that target. */
  readonly since: string;
  /** ISO-8601: missed slots up to this instant (inclusive) were reported already. */
  readonly reportedThrough?: string;
}

export interface Lockfile {
  readonly lockfileVersion: 1;
  readonly calls: Readonly<Record<string, LockEntry>>;
  /** Optional section; absent in lockfiles written before it existed. */
  readonly schedules?: Readonly<Record<string, ScheduleMemory>>;
}
