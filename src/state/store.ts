import type { Outcome } from '../execute/outcome.js';
import type { ConflictMerged } from './lockfile-conflict.js';
import type { ClockVerdict } from './postgres/clock.js';
import type { SslMode } from './postgres/sslmode.js';
import type { DefinitionMeta, Settlement } from './record.js';
import type { RetainedCall } from './retention.js';
import type { RunLockHolder } from './runlock.js';
import type { CallOutcome, LockEntry, Lockfile, ScheduleMemory } from './types.js';

export type { Settlement } from './record.js';

/**
 * Where a project keeps its state: small parts, each a promise the engine relies on, composed
 * as one StateStore. Two stores implement it — the file store (callops.lock + `.callops/`)
 * and the Postgres store — and one contract suite (test/state/contract/) runs against both.
 *
 * The invariant every store keeps: a call is sent only after its claim is durable, and a
 * claim without a recorded outcome is `unknown` in the view (the request may have left), so
 * it is never sent again without a decision.
 */

/** `state:` in callops.yaml. */
export type StateConfig =
  | { readonly backend: 'file' }
  | {
      readonly backend: 'postgres';
      /** A `postgres://` URL, usually `${CALLOPS_DATABASE_URL}`: a secret, never shown. */
      readonly url: string;
      /** The schema holding callops' tables (default `callops`). */
      readonly schema?: string;
      /** PGSSLMODE's mode, which a url without its own sslmode takes (postgres/sslmode.ts). */
      readonly pgsslmode?: SslMode;
    };

/**
 * `state.keep`: entries of recurring calls whose deadline passed more than `keepMs` ago are
 * dropped from the lockfile view and export (src/state/retention.ts). Without it, none is.
 */
export interface Retention {
  /**
   * The project's calls by name (RetentionInput's `calls`), asked at each pruning: a runner
   * that reads the definitions again (`run`) answers with the calls it reads now.
   */
  readonly calls: () => readonly RetainedCall[];
  readonly keepMs: number;
  /** How many of a number's latest calls let go are remembered (RetentionInput's `each`). */
  readonly each?: number;
  /** The instant retention is judged at (default: the store's clock). */
  readonly now?: () => Date;
}

/** "This runner is about to send the call for `key`": said before every attempt. */
export interface Claim extends DefinitionMeta {
  readonly key: string;
  readonly target: string;
  /** 1 for the first HTTP attempt, 2 for the first retry, … (a runner re-claims its own key). */
  readonly attempt: number;
  /** ISO-8601 UTC; the store's clock when omitted. */
  readonly at?: string;
  /**
   * The user chose to send an `unknown` call again (`apply --retry-unknown`): an unknown
   * entry, or a claim whose runner is gone, may then be claimed. Never set automatically.
   */
  readonly retryUnknown?: boolean;
  /**
   * With `replace`: the sid of the placed call this replaces (the one the plan named). A
   * replacement claims the key only while its entry is placed with this sid: once another
   * runner replaced it, or is replacing it, the claim resolves `false` and nothing is sent.
   * Under other targets' names, `sameKey` (its `seen`) keeps it to the call its plan named.
   */
  readonly replaces?: string;
  /**
   * `limits.per_number`: with `number` (the digest in DefinitionMeta), the claim is refused
   * (`'limited'`) when `count` claims to that number whose `at` lies within the trailing
   * `windowMs` already exist (placed, unknown or in flight, other keys than this one).
   */
  readonly limit?: { readonly count: number; readonly windowMs: number };
  /**
   * A campaign row: with `number` (the digest in DefinitionMeta), the claim is refused
   * (`{dialled}`) when the campaign dialled that number under another row's key, under any
   * target (campaignHeld).
   * Asked of a store that admits several runners (`concurrentRunners`) alone: with one, no
   * claim comes between the plan, which holds such a row, and this one.
   * Checked under the lock that per-number limits take, so that of two runners claiming rows
   * of one number at once (checkouts of a CSV whose keys moved between them) one places it.
   */
  readonly campaign?: CampaignScope;
  /**
   * A scheduled call's slot, or a scheduled campaign row's: with `number`, the claim is
   * refused (`{slotDialled}`) when an entry of that slot under any target dialled the number
   * under a key other than the claim's own (SlotScope), placed, unknown or claimed. The plan
   * holds such a slot when that key is one no call of the project has now (a rename:
   * renamed.ts), on the claim's target or on a twin of it (a target no longer defined, or one
   * on the same gateway: the call renamed along with its target); this finds the claim
   * another runner made after this one planned, and the engine judges the entry by the same
   * rule. Asked of a store that admits several runners (`concurrentRunners`) alone, and
   * checked under the number's lock as `campaign` is.
   */
  readonly sameSlot?: SlotScope;
  /**
   * The claim's key under other targets: the claim is refused (`{keyDialled}`) when a key
   * that is this one but for its target (`<other target>/<rest>`) is placed, unknown or
   * claimed (KeyScope). The plan holds a call, slot or row placed under a target the project
   * no longer defines, or under another name for its gateway (plan/twins.ts); this finds the
   * claim another runner made after this one planned (two checkouts, the target renamed in
   * one of them), and the engine judges the entry by the same rule. Asked of a store that
   * admits several runners (`concurrentRunners`) alone, and checked under a lock of `rest`,
   * so that of two runners claiming it under two targets at once one places it.
   *
   * A deliberate repeat (`apply --replace`, of its own key or of the key a twin placed) carries
   * it too, with the entries its plan read there (`seen`): a replacement is taken under the
   * same lock, so that of two runners replacing one call under two targets' names at once,
   * the one that comes second finds the other's claim (or call) and sends nothing.
   */
  readonly sameKey?: KeyScope;
  /**
   * A campaign row's attempt n ≥ 2 (a redial, or one tried again): the keys of its attempts
   * 1 … n − 1 as its plan read them (the row's own, or a twin's: plan/twin-attempts.ts). The
   * claim is refused (`{reached}`) when one of them holds an outcome that ends the row
   * (answered, or declined: state/outcome.ts), as the plan holds such a row: an answer
   * recorded after this runner planned (a late status that another runner, `receive` or
   * `status --refresh`, recorded). Those entries are read locked against a concurrent
   * outcome, so an answer is recorded either before the claim (which refuses) or after it.
   * Asked of a store that admits several runners (`concurrentRunners`) alone.
   */
  readonly earlier?: readonly string[];
  /**
   * The call (or campaign row) the claim's key is of, every key of it under every target
   * (CallScope): every claim of a call takes a lock of it, and the claim of a call that runs
   * once (`once`) is refused (`{callDialled}`) when another key of that call of another slot
   * (or none) dialled the claim's number, placed, unknown or claimed. The plan holds such a
   * call (plan/rescheduled.ts: its schedule changed since it was placed), on its target or a
   * twin of it; this finds the claim another runner made after this one planned (two
   * checkouts, the schedule changed in one of them), and the engine judges the entry by the
   * same rule. Asked of a store that admits several runners (`concurrentRunners`) alone.
   */
  readonly sameCall?: CallScope;
  /**
   * A scheduled call's slot, or a scheduled campaign row's: the claim is refused (`{later}`)
   * when the state holds a later slot of the same call (or row) under the same target placed,
   * unknown or claimed by another runner (LaterScope), as the plan supersedes a slot not later
   * than one it reads placed or unknown (plan/entries.ts, latestTaken). The plan reads the
   * entries before any claim; this finds a later slot another runner claimed after this one
   * planned, or that a runner whose clock is ahead placed. Checked under the lock of the call
   * that every claim of it takes, so that of two runners claiming two slots of one call at
   * once, the one that comes second finds the other's. Asked of a store that admits several
   * runners (`concurrentRunners`) alone.
   */
  readonly later?: LaterScope;
}

/**
 * What a slot's claim is checked against for a later slot of its call: the keys
 * `<series><slot>` (the slot written as keys write it, no `#n` after it) of a slot later
 * than `slot`, placed, unknown or claimed (a claim of the claiming runner aside: the slots
 * one batch sends side by side do not hold each other back, engine/slot-order.ts). On the
 * real clock, one later than `now` counts too unless it was recorded before its own time (a
 * rehearsal's ahead of the clock, which holds back no real slot); in a rehearsal, only those
 * up to `now`, its instant.
 */
export interface LaterScope {
  /** The key up to and with its `@`: `<target>/<call>@`, a campaign row's `<target>/<campaign>/<row>@`. */
  readonly series: string;
  /** The claim's slot, as keys write it after `@`. */
  readonly slot: string;
  /** The instant the rule is judged at, as keys write slots: the clock, or a rehearsal's. */
  readonly now: string;
  /** A rehearsal (`apply --now`): no slot later than `now` counts. */
  readonly rehearsal?: true;
}

/**
 * What a claim's call is: its key after its target's name and `/`, without its slot and
 * attempt (`welcome`, `reminders/r1`), whose lock every claim of it holds to the end of its
 * transaction. With `once`, the claim is checked against the keys of that call under every
 * target (`<target>/<call>`, `…#n`, `…@slot`, `…@slot#n`) of another slot than `slot`
 * (none for an unscheduled call) that dial the claim's number, placed, unknown or claimed (in
 * flight, or left by a runner that is gone: it may have rung), but not those in `beside`, nor
 * those in `seen` while they are still as seen. Entries' earlier calls that `--replace`
 * superseded (their history) are left to the plan, which reads them before any claim.
 */
export interface CallScope {
  /** The claim's key after its target and `/`, up to its `@slot` or `#n`. */
  readonly call: string;
  /** The claim's slot, as keys write it after `@`; '' for none. */
  readonly slot: string;
  /** A call that runs once or a row's attempt, checked (not a cron call's slot, nor a replacement). */
  readonly once?: true;
  /** Keys let through already, once found: under a target the project defines on another gateway. */
  readonly beside?: readonly string[];
  /**
   * A deliberate repeat's (`--replace` of a call whose schedule changed): the entries of the
   * call's other keys its plan read (placed or unknown, none in flight), among them the call
   * it places again. Each is let through while it is as read, the same status and sid; one
   * that changed since refuses the claim as a key found does (`{callDialled}`).
   */
  readonly seen?: readonly SeenEntry[];
}

/**
 * What a claim's key is checked against under other targets: the keys `<target>/<rest>` of
 * every other target, placed, unknown or claimed (in flight, or left by a runner that is gone:
 * it may have rung), but not those in `beside`, nor those in `seen` while they are still as
 * seen.
 */
export interface KeyScope {
  /** The claim's key after its target's name and its `/`. */
  readonly rest: string;
  /** Keys let through already, once found: of a target the project defines on another gateway. */
  readonly beside?: readonly string[];
  /**
   * A deliberate repeat's (`--replace`): the entries of the key under other targets its plan
   * read (placed or unknown, none in flight), among them the placed call it repeats when that
   * is a twin's. Each is let through while it is as read, the same status and sid; one that
   * changed since (claimed, placed or replaced with another sid, settled, failed) refuses the
   * claim as a key found does (`{keyDialled}`, the entry as it is now). A claim without `seen`
   * lets none through but `beside`.
   */
  readonly seen?: readonly SeenEntry[];
}

/** An entry of a key under another target as a plan read it (KeyScope's `seen`). */
export interface SeenEntry {
  readonly key: string;
  /** `placed`, or `unknown` (settled, or a claim whose runner is gone: never in flight). */
  readonly status: 'placed' | 'unknown';
  readonly sid?: string;
}

/**
 * What a slot's claim is checked against: the entries of `slot` under every target that dial
 * the claim's number, placed, unknown or claimed (in flight, or left by a runner that is
 * gone: it may have rung), but not those under `own` (the call's own keys on its target, or
 * its campaign's rows there, which `campaign` judges) nor the keys in `beside`. An entry
 * under another target is the engine's to judge: a call renamed along with its target (the
 * old target no longer defined, or another name for its gateway) is found under the old one.
 */
export interface SlotScope {
  /** The slot, as keys write it after `@`. */
  readonly slot: string;
  /** `<target>/<call>@` of a call, `<target>/<campaign>/` of a campaign's row: never counted. */
  readonly own: string;
  /**
   * Keys let through already, once found: of a call the project defines beside this one (two
   * calls at one slot are two calls), of a row sharing the number (two people, one phone), or
   * under a target the project defines on another gateway (two gateways, two calls).
   */
  readonly beside?: readonly string[];
}

/**
 * What a campaign row's claim is checked against: the entries of the campaign's rows under
 * every target (`<any target>/<campaign>/…`; of `slot` only, for a scheduled campaign) that
 * dial the claim's number, placed, unknown or claimed (in flight, or left by a runner that is
 * gone: it may have rung), of another row than `row` and `sharing`, but not the keys in
 * `beside`. An entry under another target than the claim's is the engine's to judge: one no
 * longer defined, or another name for its gateway, holds the row as its own target's would
 * (a target renamed in another checkout); one on another gateway is let through (`beside`).
 * Entries' earlier calls that `--replace` superseded (their history) are left to the plan,
 * which reads them before any claim.
 */
export interface CampaignScope {
  /** The campaign's name: its rows' keys are `<target>/<campaign>/<row id>…`. */
  readonly campaign: string;
  /**
   * The row's id (its key after the campaign, without `#n` or `@slot`): its own entries never
   * count, under any target.
   */
  readonly row: string;
  /** A scheduled campaign's slot, as its key writes it after `@`: only entries of that slot count. */
  readonly slot?: string;
  /** Ids of rows that may dial the number too (with an id column: rows of the CSV sharing it now). */
  readonly sharing?: readonly string[];
  /** Keys let through already, once found: under a target the project defines on another gateway. */
  readonly beside?: readonly string[];
}

/**
 * The entry a claim was refused for: another row's call of its number (`campaign`), another
 * key's call of its slot to its number (`sameSlot`), its key under another target (`sameKey`),
 * or its call's under another key of its own (`sameCall`).
 */
export interface DialledEntry {
  readonly key: string;
  /**
   * `placed`, `unknown`, or `being placed` (a claim whose runner is placing it now); `failed`
   * only for an entry a repeat's plan read placed (a `seen` of KeyScope or CallScope) whose
   * replacement failed.
   */
  readonly status: string;
  readonly sid?: string;
  /** ISO-8601 UTC: when it was placed or claimed. */
  readonly at: string;
  /** The gateway that placed it, as the entry records it (LockEntry.gateway), if it does. */
  readonly gateway?: string;
}

/**
 * `true`: the claim is durable, the request may leave. `false`: the key is not this runner's
 * to send: another runner is placing it right now (or a replacement finds the entry changed).
 * `{recorded}`: the key holds an outcome this claim may not take — placed, or unknown
 * (without `retryUnknown`; a claim whose runner is gone is unknown too): another writer
 * settled it after this runner read the state, most often. `'limited'`: the number's
 * per-number limit is reached; nothing is recorded. `{dialled}`: the campaign dialled the
 * row's number under another key; nothing is recorded. `{slotDialled}`: the slot dialled the
 * number under another call's key; nothing is recorded. `{keyDialled}`: the key was claimed
 * or placed under another target; nothing is recorded. `{callDialled}`: the call that runs
 * once dialled the number under another key of its own; nothing is recorded. `{later}`: a later
 * slot of the call was placed, may have been, or is being placed; nothing is recorded. `{reached}`: an earlier attempt of the
 * row ended it (`earlier`), the entries of those keys as they are now; nothing is recorded.
 */
export type ClaimResult =
  | boolean
  | 'limited'
  | { readonly recorded: 'placed' | 'unknown' }
  | { readonly dialled: DialledEntry }
  | { readonly slotDialled: DialledEntry }
  | { readonly keyDialled: DialledEntry }
  | { readonly callDialled: DialledEntry }
  | { readonly later: DialledEntry }
  | { readonly reached: Readonly<Record<string, LockEntry>> };

/** What a claimed entry's status reads as in a refusal while its runner is placing it. */
export const BEING_PLACED = 'being placed';

/**
 * Whether entry `key` is in `scope` and of another row than the claim's: the part of the
 * check both stores share (pure). The key's target is whatever comes before its first `/`;
 * the row id is the key after `<campaign>/` up to its `#n` or `@slot` (row ids hold neither);
 * a scope with a slot takes only entries of that slot.
 */
export const campaignHeld = (scope: CampaignScope, key: string): boolean => {
  const rows = `${scope.campaign}/`;
  const slash = key.indexOf('/');
  if (slash <= 0 || !key.startsWith(rows, slash + 1)) return false;
  if (scope.beside?.includes(key) === true) return false;
  const rest = key.slice(slash + 1 + rows.length);
  const end = rest.search(/[#@]/);
  const row = end < 0 ? rest : rest.slice(0, end);
  if (row === scope.row || scope.sharing?.includes(row) === true) return false;
  if (scope.slot === undefined) return true;
  const at = rest.indexOf('@');
  return at >= 0 && rest.slice(at + 1) === scope.slot;
};

/** What a store knows: the lockfile view, and which of its `unknown` keys are in flight. */
export interface StateView {
  /**
   * Every entry, with each claim that has no outcome folded as `unknown` (message: whether
   * its runner is gone or still placing it).
   */
  readonly lock: Lockfile;
  /** Keys claimed by a runner that is still running, whose outcome is not recorded yet. */
  readonly inFlight: ReadonlySet<string>;
}

export interface StateReader {
  read(): Promise<StateView>;
  /**
   * Take in what another writer changed since this runner last read or wrote the state;
   * true when the view changed (read it again). The file store looks at whether callops.lock
   * is still the file it last read or wrote (one stat) and merges in one that is not (a
   * `git pull` of placements made elsewhere, an older copy put back): this runner's records
   * are kept, what the file adds or moved on is taken, and nothing it holds as placed becomes
   * due again. Its persist() does the same before it writes. The Postgres store reads the
   * database itself: nothing to take in.
   */
  reread(): Promise<boolean>;
  /**
   * While this runner holds the run lock (the file store's): record what each `callops
   * receive` in this folder accepted and keeps in its spool (state/received.ts), which it
   * cannot record itself meanwhile. `run` holds the lock for its whole life, and asks at each
   * wake. Resolves with how many entries changed. The Postgres store has none: a receiver
   * records into the database itself.
   */
  recordReceived?(): Promise<number>;
}

export interface ClaimWriter {
  /**
   * Resolves `true` only once the claim is durable: only then may the request leave.
   * Resolves `false` when another runner has claimed the key and is placing it now, or when a
   * replacement finds the entry no longer the placed call its plan named (a replacement never
   * claims an unknown one). Resolves `{recorded}` when the key is placed or `unknown` (unless
   * `retryUnknown`): not this runner's to send, and no longer in flight anywhere. Rejects when the claim could not be made
   * durable (database unreachable, journal unwritable): nothing may be sent. Resolves
   * `'limited'` when `claim.limit` refuses it: no entry, the key stays due. Resolves
   * `{dialled}` when `claim.campaign` refuses it: no entry, the row is held. Resolves
   * `{slotDialled}` when `claim.sameSlot` refuses it, `{keyDialled}` when `claim.sameKey`
   * does, `{reached}` when `claim.earlier` does: no entry.
   */
  claim(claim: Claim): Promise<ClaimResult>;
  /**
   * Record the outcome of a key this runner claimed; resolves once it is durable. `placed`
   * is final. A `missed` outcome (nothing sent, nothing claimed) records nothing. Rejects
   * with NotClaimed when the key is not this runner's claim (recording it again is refused
   * again); any other rejection is a failure of the state (a database gone): the claim stays
   * this runner's, and the same outcome may be recorded once the state answers again.
   */
  record(outcome: Outcome & DefinitionMeta): Promise<void>;
  /**
   * Give up a claim whose request never left (a stop came between the claim and the send):
   * the key gets no entry and stays due, as if it had never been started.
   */
  abandon(outcome: Outcome & DefinitionMeta): Promise<void>;
}

export interface StateWriter {
  /**
   * Settle an `unknown` entry by hand (`callops resolve`): placed with the sid the user found
   * on the gateway, or not placed (then `failed`, so that the next apply places it). Rejects
   * with a message for the user when the key is not unknown or the sid is recorded already.
   */
  settle(key: string, settlement: Settlement): Promise<void>;
  /**
   * Record what the gateway says became of placed calls, beside their entries: only placed
   * entries take one, and a final outcome is never changed. Resolves with the keys changed.
   */
  observe(updates: readonly Observation[]): Promise<readonly string[]>;
  /** Keep what apply and run remember of scheduled calls (the lockfile's `schedules`). */
  remember(schedules: Readonly<Record<string, ScheduleMemory>> | undefined): Promise<void>;
  /**
   * Make every change so far durable. The file store writes the lockfile (and its copy in
   * `.callops/`) here, once per batch rather than once per outcome, and clears the journal
   * when no claim is open; the Postgres store wrote each change when it was made.
   */
  persist(): Promise<void>;
}

/** What the gateway says became of a placed call (`status --refresh`, `receive`, …). */
export interface Observation {
  readonly key: string;
  readonly outcome: CallOutcome;
}

/**
 * What a command does with the state, for what a refusal says it did not do: `send` (apply,
 * run) places calls, `record` (resolve, status --refresh, receive) records outcomes or
 * settlements, `read` (plan, status, report) only reads. Only a command that sends may say
 * that nothing was sent.
 */
export type StateUse = 'send' | 'record' | 'read';

/**
 * What a command that stopped did not do, by its use: `nothing was sent` (send), `nothing was
 * recorded` (record); nothing to say for one that only reads (it would send nothing anyway).
 */
export const nothingDone = (use: StateUse | undefined): string | undefined =>
  use === 'send' ? 'nothing was sent' : use === 'record' ? 'nothing was recorded' : undefined;

/** Who holds the single-holder lock: shown in the refusal message (`describeHolder`). */
export type LockHolder = RunLockHolder;

/** How a runner lost its lock: who holds it now, if anyone, and (file store) what happened. */
export interface LockLoss {
  readonly holder?: LockHolder;
  readonly why?: string;
  /** File store: the project folder itself was moved or renamed (said in `why`). */
  readonly moved?: true;
}

export type LockResult =
  | {
      readonly ok: true;
      readonly holder: LockHolder;
      release(): Promise<void>;
      /**
       * Set once this runner found it no longer holds the lock, and from then on the store
       * claims nothing. Postgres: its lease ran out while the database could not be reached,
       * and the lock was taken by `holder` (or let go) meanwhile. File: `.callops/run.lock`
       * is no longer the file it wrote (removed, or replaced by `holder`'s), said in `why`;
       * asked, this looks at the file (one lstat).
       */
      lost?(): LockLoss | undefined;
      /** An earlier holder that was gone, when its lock was taken over. */
      readonly tookOver?: LockHolder;
      /** Entries a crashed earlier run left in the file store's journal, folded now. */
      readonly recovered?: {
        readonly placed: number;
        readonly failed: number;
        readonly unknown: number;
      };
      /**
       * Entries given an outcome from the spools of `callops receive` (statuses it answered
       * 204 for and could not record: see ./received.ts), recorded as the lock was taken.
       */
      readonly received?: number;
      /** Keys written back into the lockfile from `.callops/` (file store opened to restore). */
      readonly restored?: readonly string[];
      /**
       * Whether `.callops/` recorded anything to write back: a copy of the lockfile, or a
       * journal (file store opened to restore). A fresh clone has neither.
       */
      readonly recorded?: boolean;
      /**
       * Schedule memories whose calls let go (or slots) `.callops/` remembered and the
       * lockfile did not: written back with them (file store opened to restore).
       */
      readonly remembered?: readonly string[];
      /**
       * The lockfile held git's conflict markers and was written as its two sides merged
       * (file store opened to restore).
       */
      readonly conflict?: ConflictMerged;
    }
  | {
      readonly ok: false;
      readonly holder: LockHolder;
      /** How long this runner waited for the holder (file store: a `callops receive`). */
      readonly waitedMs?: number;
    };

export interface Locker {
  /**
   * Take the single-holder lock, or learn who holds it. Never waits for it, except on the
   * file store for a `callops receive`, which holds it only while it records a batch of
   * statuses: waited for (`waiting` is told when that lasts), for up to RECEIVER_WAIT_MS.
   */
  lock(who: {
    readonly command: string;
    readonly now: Date;
    readonly waiting?: (holder: LockHolder) => void;
  }): Promise<LockResult>;
}

/** What an import did (`callops state push`). */
export interface ImportResult {
  /** True when no key was left in conflict: every entry of the lockfile is in the store now. */
  readonly ok: boolean;
  /** Entries of keys the store lacked, added. */
  readonly imported: number;
  /**
   * Entries the store already held: alike (the same status and sid), or placements its
   * entry keeps (`inHistory`). Left as they are.
   */
  readonly unchanged: number;
  /**
   * Of `unchanged`: placed entries whose sid the store's entry keeps in its history (an
   * earlier `keepStore` import settled the key, or `apply --replace` placed it again since).
   */
  readonly inHistory: number;
  /** Keys left as the store holds them, refused: nothing of the lockfile's entry was written. */
  readonly conflicts: readonly ImportConflict[];
  /** With `keepStore`: conflicting keys settled, each as settleConflict settled it. */
  readonly settled: readonly SettledConflict[];
}

/** A key the store already has with another status or sid than the imported lockfile. */
export interface ImportConflict {
  readonly key: string;
  readonly store: {
    readonly status: string;
    readonly sid?: string;
    /** A live runner's claim: that runner is placing it now and records its outcome. */
    readonly inFlight?: true;
  };
  readonly lockfile: { readonly status: string; readonly sid?: string };
}

/** A conflicting key `state push --keep-database` settled. */
export interface SettledConflict extends ImportConflict {
  /** Whose entry the store holds now: its own, or the lockfile's (it recorded more of the call). */
  readonly kept: 'store' | 'lockfile';
  /** The sids of the other side's placements that joined the kept entry's `history`. */
  readonly historied: readonly string[];
}

export interface ImportOptions {
  /**
   * Settle each conflicting key (settleConflict) instead of refusing it; a key a live
   * runner is placing stays refused.
   */
  readonly keepStore?: boolean;
}

export interface Transfer {
  /** The lockfile view in callops.lock's format (serializeLockfile gives its exact text). */
  export(): Promise<Lockfile>;
  /**
   * Add a lockfile's entries (`callops state push`), as planImport plans it: every entry of
   * a key the store lacks is added, also beside a conflict of another key (each of them
   * keeps a call from being placed again). Entries the store already has alike are left as
   * they are, so pushing the same lockfile twice changes nothing.
   */
  import(lock: Lockfile, options?: ImportOptions): Promise<ImportResult>;
}

export interface StateStore extends StateReader, ClaimWriter, StateWriter, Locker, Transfer {
  readonly backend: StateConfig['backend'];
  /**
   * True when several runners may claim at once (Postgres: each places only what it
   * claimed). False when claims need the single-holder lock, held by this store (file).
   */
  readonly concurrentRunners: boolean;
  /**
   * A database store: which state its schema holds (postgres/schema.ts, stateIdOf), recorded
   * in `.callops/` with the move to it. The file store has none.
   */
  readonly stateId?: string | undefined;
  /**
   * A database store: a live runner other than this one that may claim calls, or undefined.
   * `state pull` refuses while there is one: it would place calls the callops.lock written
   * lacks. The file store's run lock keeps every such runner out by itself.
   */
  livePlacer?(): Promise<LockHolder | undefined>;
  /**
   * A database store: this runner's clock against the database's, as found when the store
   * opened and as measured again now. Schedules, windows and deadlines go by this runner's
   * clock: one that is wrong places no call (postgres/clock.ts). The file store has none: it
   * knows no clock but this runner's.
   */
  readonly clock?: RunnerClock;
  /** Finish pending writes and let go of connections and files. */
  close(): Promise<void>;
}

/** This runner's clock against a database's (StateStore's `clock`). */
export interface RunnerClock {
  readonly opened: ClockVerdict;
  /** Rejects when the database cannot be asked: a state failure, as a claim's. */
  measure(): Promise<ClockVerdict>;
}

/**
 * `record` refused an outcome for good: its key is not a claim of this runner (never claimed
 * by it, or claimed by another since). Unlike a failure of the state, trying again is no use.
 */
export class NotClaimed extends Error {}

/**
 * `record` could not put an outcome into the view (its lockfile can no longer be read), yet
 * wrote it into the journal: the next command records it from there, so nobody need settle
 * it. Its message is the cause's.
 */
export class OutcomeJournaled extends Error {
  override readonly name = 'OutcomeJournaled';
  constructor(
    /** The lockfile's name in messages ("callops.lock"). */
    readonly lockName: string,
    /** The journal's name in messages (".callops/journal.jsonl"). */
    readonly journalName: string,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * A write of the state failed, yet what it was writing may be there all the same: the file
 * store's journal, stopped by a full disk in the middle of a batch of lines, could not be cut
 * back to where the batch started. A claim may stand then (its request never leaves), an
 * outcome may be recorded. Its message is the cause's.
 */
export class MayBeWritten extends Error {
  override readonly name = 'MayBeWritten';
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

/** The message of an entry whose claim is still being placed by a running runner. */
export const IN_FLIGHT =
  'being placed by a run that is still going; its outcome is not recorded yet';

/**
 * Whether an entry of a view is a claim a live runner is placing right now: folded as
 * `unknown` (it may be on the wire), yet nobody's to settle — its runner records its outcome.
 */
export const isInFlight = (entry: LockEntry | undefined): boolean =>
  entry?.status === 'unknown' && entry.message === IN_FLIGHT;
