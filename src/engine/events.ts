import type { ExecuteEvent } from '../execute/context.js';
import type { Outcome } from '../execute/outcome.js';
import type { TargetNotes } from '../plan/target-notes.js';
import type { PlanItem } from '../plan/types.js';
import type { ApplySummary } from '../report/apply.js';
import type { LockHolder } from '../state/store.js';
import type { Diagnostic } from '../validate/diagnostic.js';

/**
 * What the engine says while it works. Reporters subscribe; the engine never knows which one
 * runs, nor where (a terminal, JSON on stdout, GitHub annotations) its words go.
 */
export type EngineEvent =
  | ExecuteEvent
  /** An earlier run's journal was folded before anything else read the state. */
  | {
      readonly type: 'state:recovered';
      readonly placed: number;
      readonly failed: number;
      readonly unknown: number;
    }
  /** Outcomes `callops receive` accepted and could not record, recorded as the lock was taken. */
  | { readonly type: 'state:received'; readonly recorded: number }
  /**
   * The run lock is held by `callops receive` recording a batch of statuses: waited for
   * (said once the wait has lasted a second).
   */
  | { readonly type: 'state:waiting'; readonly holder: LockHolder }
  /** The run lock of a run that is gone was taken over. */
  | { readonly type: 'state:took-over'; readonly holder: LockHolder }
  /** What a person must read and is no reason to stop (a file of `.callops/` not written). */
  | { readonly type: 'state:warning'; readonly message: string }
  /** Problems found resolving the due calls (nothing is sent when one is an error). */
  | {
      readonly type: 'diagnostics';
      readonly diagnostics: readonly Diagnostic[];
      readonly sourceText: (file: string) => string | undefined;
      /** Every secret of the run replaced: what the diagnostics are shown through. */
      readonly redact: (text: string) => string;
    }
  /** Calls are about to be placed. */
  | {
      readonly type: 'run:start';
      readonly items: readonly PlanItem[];
      readonly targetNote: string;
      /** One line per missed slot reported with the batch, said under the note (none: ''). */
      readonly missedText?: string;
    }
  /** Every call of the batch is settled (or was stopped); the summary of the batch. */
  | {
      readonly type: 'run:finish';
      readonly summary: ApplySummary;
      /** The batch's items and its missed slots, to place annotations. */
      readonly items: readonly PlanItem[];
    }
  /**
   * The run stops before its end (a campaign's CSV changed): no new call; those in flight
   * finish and are recorded, then `run:finish`.
   */
  | { readonly type: 'run:stopping'; readonly reason: string }
  /**
   * Keys skipped for another runner's claim (a database store), said before the summary
   * rather than counted in it: the call a replacement named already replaced by it, or a
   * campaign row whose number it dialled under another key. (A key it claimed first to place
   * is counted in the summary's `inFlight`; one it placed, or left unknown, after this run
   * planned, in its `recordedElsewhere`.) Also a replacement `--replace` named that this run
   * does not place: a row outside its calling hours (said with when they open).
   */
  | {
      readonly type: 'run:claimed-elsewhere';
      readonly calls: readonly { readonly key: string; readonly reason: string }[];
    }
  /** Nothing was due: what was missed, and what still needs a person or a decision. */
  | {
      readonly type: 'run:nothing-due';
      readonly summary: ApplySummary;
      readonly note: string;
      /** One line per missed slot ('' when none). */
      readonly missedText: string;
      readonly items: readonly PlanItem[];
    }
  /** `run`: a slot missed while callops was not running (reported once). */
  | { readonly type: 'scheduler:missed'; readonly item: PlanItem }
  /**
   * `run`: a placement due now that a do-not-call list holds back (its reason names the list),
   * said once, at a wake that places no batch (a batch's summary lists those due with it).
   */
  | { readonly type: 'scheduler:suppressed'; readonly item: PlanItem }
  /**
   * `run`: a placement due now that the per-number limit holds back (its reason names the
   * limit), said once, at a wake that places no batch (a batch's summary lists those due with
   * it); a slot of them never placed is not reported missed after.
   */
  | { readonly type: 'scheduler:waiting'; readonly item: PlanItem }
  /** `run`: more slots of a call were missed than its `scheduler:missed` lines list. */
  | {
      readonly type: 'scheduler:missed-count';
      /** The call (or campaign): `<target>/<name>`. */
      readonly memory: string;
      readonly count: number;
      readonly listed: number;
      /** Counting stopped at its bound: at least `count`. */
      readonly atLeast?: true;
    }
  /** `run`: rows of a campaign never reached before its end (reported once, counted). */
  | {
      readonly type: 'scheduler:expired';
      /** The campaign: `<target>/<name>`. */
      readonly memory: string;
      readonly count: number;
      /** The instant its end was reached. */
      readonly end: string;
    }
  /** `run`: definitions changed in a way that stops placing until they change again. */
  | { readonly type: 'scheduler:paused'; readonly reason: string }
  /** `run`: placing goes on; `reason` says what changed back (the pauses' cause undone). */
  | { readonly type: 'scheduler:resumed'; readonly reason: string }
  | { readonly type: 'scheduler:reloaded'; readonly calls: number; readonly were: number }
  /**
   * `run`: targets whose entries `target` reads otherwise (TargetNotes) that it had not named
   * since the set last changed: run names those of its start with its target line, and a
   * reload (or the state read again) may add one. Said before the wake places anything.
   */
  | { readonly type: 'scheduler:targets'; readonly target: string; readonly notes: TargetNotes }
  /**
   * `run`: the state holds a slot of a call later than the clock (Plan.clockAhead): its
   * earlier slots are not placed. Said once per entry.
   */
  | { readonly type: 'scheduler:clock-ahead'; readonly warning: string }
  /** `run`: a batch sent nothing (a missing variable, say); said once per definition. */
  | { readonly type: 'scheduler:batch-failed'; readonly message: string }
  /**
   * `run`: a wake met a campaign's CSV that changed after it was read (planning its rows,
   * reporting them, or after a batch): the definitions are read again before anything more
   * is planned, and run goes on.
   */
  | { readonly type: 'scheduler:recipients-changed'; readonly file: string; readonly what: string }
  /**
   * `run`: a file of the definitions (a call file, callops.yaml, the env file) was edited
   * while a batch placed its calls: the batch stopped before its next request (`run:stopping`
   * said so), and `notSent` of its calls are still due; the definitions are read again at
   * once, and they decide what goes.
   */
  | {
      readonly type: 'scheduler:definitions-changed';
      readonly file: string;
      readonly what: string;
      readonly notSent: number;
    }
  /**
   * `run`: the state database failed (said as it starts, then every few minutes while it
   * lasts): nothing is claimed or sent until it answers again, asked after `retryMs`.
   */
  | {
      readonly type: 'scheduler:state-down';
      readonly message: string;
      /** How long it has failed, in a reminder (absent as it starts). */
      readonly forMs?: number;
      readonly retryMs: number;
    }
  /** `run`: the state database answers again after failing for `forMs`. */
  | { readonly type: 'scheduler:state-back'; readonly forMs: number }
  /**
   * `run`: this runner's clock is too far from the state database's to place calls by
   * (ClockHold): no batch goes until it is right. Said as it starts, and when it moved much.
   */
  | { readonly type: 'scheduler:clock-wrong'; readonly message: string }
  /** `run`: the clock is right again after holding the batches for `forMs`: placing resumes. */
  | { readonly type: 'scheduler:clock-right'; readonly message: string; readonly forMs: number }
  /**
   * `run`: outcomes it kept while the state database failed are recorded now (as it answers
   * again, before placing resumes, or as run ends).
   */
  | { readonly type: 'scheduler:recorded'; readonly outcomes: readonly Outcome[] }
  /**
   * `run`: outcomes it kept that the state still does not hold as it ends (or that it refused
   * for good): unknown, each message with the sid and the command that settles it.
   */
  | { readonly type: 'scheduler:unrecorded'; readonly outcomes: readonly Outcome[] }
  /** `run`: a target's outcomes could not be refreshed (said once until a refresh works). */
  | {
      readonly type: 'scheduler:refresh-problem';
      readonly target: string;
      readonly message: string;
    }
  | { readonly type: 'scheduler:stopped' };

/** Awaited for the run's start and finish (a reporter may need to set itself up). */
export type EventSink = (event: EngineEvent) => void | Promise<void>;
