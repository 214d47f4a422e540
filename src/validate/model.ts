import type { RedialPolicy } from '../campaign/redial.js';
import type { PathSegments, Position, Site } from '../config/types.js';
import type { Flavor } from '../options/flavor.js';
import type { PerNumberLimit } from '../screen/limit.js';
import type { SuppressSpec } from '../screen/load.js';
import type { StateConfig } from '../state/store.js';
import type { Diagnostic } from './diagnostic.js';

/** A schedule as written (validated; strings still raw). */
export interface ScheduleSpec {
  readonly cron?: string;
  /** ISO-8601 with offset or Z, or a wall time when `timezone` is set. */
  readonly at?: string;
  /** IANA zone, default UTC. */
  readonly timezone: string;
  readonly start?: string;
  readonly end?: string;
  /** "HH:MM-HH:MM" local time of day. */
  readonly window?: string;
  /** Milliseconds after a slot falls due during which it may still be placed. Default 10 min. */
  readonly deadlineMs: number;
  /** After downtime: place only the most recent slot still due (default), or every one. */
  readonly catchup?: 'latest' | 'all';
}

/**
 * One call after loading, validating and merging defaults (project < file < call).
 * `options` are the documented gateway options only (no name/schedule/target/enabled),
 * strings still holding `${VAR}` references — resolve/ interpolates them later.
 */
export interface CallDefinition {
  readonly name: string;
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** Target the call is pinned to, if any. */
  readonly target?: string;
  readonly enabled: boolean;
  readonly schedule?: ScheduleSpec;
  /** `redial:` of a campaign call (its rows share it), when written and valid. */
  readonly redial?: RedialPolicy;
  readonly options: Readonly<Record<string, unknown>>;
  /** `sha256:<hex>` of the merged definition (canonical JSON, references unresolved). */
  readonly definition: string;
  /** Where a path of the merged call came from (call, file or project defaults), for errors found later. */
  readonly locate: (path: PathSegments) => Site;
  /** One option, when it can be had without the others (a campaign row fills in only that one). */
  readonly optionAt?: (key: string) => unknown;
  /**
   * Lets go of what can be read again from the call's file (its parsed map and options),
   * once its request is made: `options` is then merged again whenever asked for. Its digest
   * is made first, from the options at hand, unless `digest` is false (then made from the
   * file's text if ever asked for: `validate` asks for none).
   */
  readonly release?: (digest?: boolean) => void;
  /**
   * Notes that the call's options hold no `${` and passed apply's check as written (see
   * `literal`): a definition that can keep the mark has it, on its prototype.
   */
  readonly markLiteral?: () => void;
  /** Whether markLiteral was called: its request is its options, not resolved again. */
  readonly literal?: boolean;
  /** A row of a campaign: its name is `<campaign>/<row id>`, its file the recipients CSV. */
  readonly campaign?: {
    readonly name: string;
    readonly id: string;
    readonly recipients: string;
    /** The CSV has no `id` column: the row id is its position, which edits above shift. */
    readonly positional?: true;
    /**
     * `shared_numbers: true`: rows of different ids that dial one number are each called
     * (people sharing a phone). Otherwise a number is called once per campaign.
     */
    readonly sharedNumbers?: true;
    /**
     * Rows of the CSV may dial one number (two write it, or it is not a `${row.X}` of each):
     * the plan compares a run's rows. Unset with an `id` column, no two rows can.
     */
    readonly comparesRows?: true;
    /** The CSV's row whose id is `id` now, if it has one (asked rarely: see RowDefinition). */
    readonly rowOf?: (id: string) => CallDefinition | undefined;
  };
}

/** A call with `recipients`: its rows are among the calls. */
export interface CampaignSummary {
  readonly name: string;
  /** The recipients CSV (project-relative). */
  readonly recipients: string;
  /** Rows read without a problem. */
  readonly rows: number;
}

/** A target as written in callops.yaml (strings may hold `${VAR}`). */
export interface TargetSpec {
  readonly name: string;
  readonly base_url: string;
  readonly account_sid: string;
  readonly api_key: string;
  /** A whole number, or a string holding `${VAR}` that must resolve to one. */
  readonly concurrency?: number | string;
  /** e.g. "5/s", "600/5m" */
  readonly rate?: string;
  /** e.g. "15s" */
  readonly request_timeout?: string;
  readonly allow_insecure?: boolean;
  /** Longest pause on 429 before the remaining calls fail, e.g. "5m". */
  readonly max_pause?: string;
  /** What the gateway is (default `cognigy`); `jambonz` refuses options rest:dial lacks. */
  readonly flavor?: Flavor;
  readonly file: string;
  readonly locate: (path: PathSegments) => Position;
}

/**
 * `state:` as validated: the StateConfig the store is opened with (its url still holding
 * `${VAR}` — resolve/state.ts makes it a secret), plus `keep` in milliseconds.
 */
export type StateSpec = StateConfig & {
  /** How long entries of recurring calls past their deadline stay in the lockfile view. */
  readonly keepMs: number;
  /** callops.yaml, when `state:` is written there. */
  readonly file?: string;
  /** Where a key of `state:` is written, for errors found when it is resolved. */
  readonly locate: (path: PathSegments) => Position;
};

export interface ProjectConfig {
  /** Absolute project root. */
  readonly root: string;
  /** 'callops.yaml' when present, else undefined. */
  readonly file?: string;
  readonly targets: readonly TargetSpec[];
  readonly defaultTarget?: string;
  readonly calls: readonly string[];
  readonly lockfile: string;
  readonly defaults: Readonly<Record<string, unknown>>;
  /** `state:`; the file store, keeping 30 days, when callops.yaml does not say. */
  readonly state: StateSpec;
  /** `suppress:`: the do-not-call lists, in the order written (none when absent). */
  readonly suppress?: readonly SuppressSpec[];
  /** `limits.per_number`, when written. */
  readonly perNumber?: PerNumberLimit;
}

export interface ValidatedProject {
  readonly config: ProjectConfig;
  /** Every call; a campaign appears as its rows (see `campaigns`). */
  readonly calls: readonly CallDefinition[];
  /**
   * Every call as written, once by its name: a campaign as its template, whose schedule its
   * rows share. Reading it reads no recipients CSV (what `state.keep` goes by).
   */
  readonly named: readonly CallDefinition[];
  readonly campaigns?: readonly CampaignSummary[];
  readonly diagnostics: readonly Diagnostic[];
}
