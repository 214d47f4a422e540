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
  /** `sha256:<hex16>` of the number dialled as compared (numberDigest); never the number. */
  readonly number?: string;
  /**
   * `sha256:<hex16>` of the gateway that placed it (recordedGateway: its base_url and
   * account_sid as they resolved then); never the URL. Absent in entries of earlier releases.
   */
  readonly gateway?: string;
  readonly httpStatus?: number;
  readonly message?: string;
  /** How an unknown entry was settled, if it was: `callops resolve` by hand, or `--check`. */
  readonly resolvedBy?: ResolvedBy;
  /**
   * Earlier placements of this key, oldest first: kept when `apply --replace` placed it
   * again, or joined when `state push --keep-database` settled a call placed twice.
   */
  readonly history?: readonly PreviousPlacement[];
  /** What became of a placed call, as the gateway reported it (placed entries only). */
  readonly outcome?: CallOutcome;
}

/**
 * Who settled an unknown entry: a person (`callops resolve KEY --placed SID | --not-placed`)
 * or the gateway's own records (`callops resolve --check`).
 */
export type ResolvedBy = 'hand' | 'gateway';

export const RESOLVED_BY: readonly ResolvedBy[] = ['hand', 'gateway'];

/** How a placed call ended, or `in-progress` while it has not ended yet. */
export type CallOutcomeStatus = 'completed' | 'busy' | 'no-answer' | 'failed' | 'in-progress';

export const FINAL_OUTCOMES: readonly CallOutcomeStatus[] = [
  'completed',
  'busy',
  'no-answer',
  'failed',
];

export const OUTCOME_STATUSES: readonly CallOutcomeStatus[] = [...FINAL_OUTCOMES, 'in-progress'];

/** A placed call's outcome: the gateway's words, snake_case as it writes them. */
export interface CallOutcome {
  readonly status: CallOutcomeStatus;
  /** The last SIP status the gateway saw (200 answered, 486 busy, 487 no answer, …). */
  readonly sip_status: number;
  /** Whole seconds talked (0 unless answered). */
  readonly duration: number;
  readonly answered: boolean;
  /** ISO-8601 UTC: when the call ended; absent while in progress. */
  readonly ended_at?: string;
}

/**
 * An earlier placement of a key: one an `apply --replace` superseded, or (`joinedFrom`) one
 * `state push --keep-database` kept beside the entry's own call.
 */
export interface PreviousPlacement {
  readonly sid: string;
  readonly callId?: string;
  /** ISO-8601 UTC: when it was placed. */
  readonly at: string;
  /** The digest of the number it dialled (it rang: it counts toward per-number limits). */
  readonly number?: string;
  /**
   * Where `state push --keep-database` found it: in the lockfile's entry of the key or the
   * database's, the one not kept. The call was placed beside the entry's, not replaced by
   * it. Absent for a placement `apply --replace` superseded (and in earlier lockfiles).
   */
  readonly joinedFrom?: PlacementSource;
}

/** The two sides of `state push`: the lockfile pushed, and the state database it goes into. */
export type PlacementSource = 'lockfile' | 'database';

export const PLACEMENT_SOURCES: readonly PlacementSource[] = ['lockfile', 'database'];

/**
 * What callops remembers of a scheduled call on a target (`<target>/<call>`), so that a
 * missed slot is reported once and never for a time before callops knew the call.
 */
export interface ScheduleMemory {
  /** ISO-8601: when apply or run first planned the call on that target. */
  readonly since: string;
  /** ISO-8601: missed slots up to this instant (inclusive) were reported already. */
  readonly reportedThrough?: string;
  /**
   * ISO-8601: the latest slot whose entry `state.keep` let go. No slot up to this instant
   * (inclusive) is due again: its entry, which said whether it was placed, is gone.
   */
  readonly prunedThrough?: string;
  /**
   * The calls to numbers of the entries `state.keep` let go, which per-number limits still
   * count (./rang.ts). Absent in memories written before it: what they let go is forgotten.
   */
  readonly rang?: RangMemory;
}

/** What a call's memory keeps of its calls let go, per number digest (never the number). */
export interface RangMemory {
  /** Digest → ISO-8601 times its latest calls rang, ascending: as many as the limit counts. */
  readonly numbers: Readonly<Record<string, readonly string[]>>;
  /** Digest → the latest time of its calls let go that `numbers` no longer holds. */
  readonly cut?: Readonly<Record<string, string>>;
  /** ISO-8601: calls let go that rang up to this instant may be forgotten, to any number. */
  readonly forgotten?: string;
}

export interface Lockfile {
  readonly lockfileVersion: 1;
  readonly calls: Readonly<Record<string, LockEntry>>;
  /** Optional section; absent in lockfiles written before it existed. */
  readonly schedules?: Readonly<Record<string, ScheduleMemory>>;
}
