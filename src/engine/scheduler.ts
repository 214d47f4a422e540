import { projectLook } from '../config/load.js';
import { RecipientsChanged } from '../config/recipients.js';
import type { DefinitionsChanged, FileSeen } from '../config/watched.js';
import type { RateLimiter } from '../execute/rate.js';
import {
  type MissedReport,
  markChecked,
  missedToReport,
  type TargetNotes,
  withSchedules,
} from '../plan/index.js';
import { suppressedNow, wakeTimes } from '../plan/wake.js';
import { clockAheadWarning } from '../report/clock-ahead.js';
import { makeRedactor } from '../report/redact.js';
import type { Secret } from '../resolve/index.js';
import { interpolateString } from '../resolve/interpolate.js';
import type { ClockVerdict } from '../state/postgres/clock.js';
import { describeHolder } from '../state/runlock.js';
import type { LockLoss, StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import { recordSettled } from './answered.js';
import { CLOCK_HOLD_RECHECK_MS, ClockHold } from './clock-hold.js';
import { type DueResult, edited, rememberSchedules, runDue } from './due.js';
import { EngineError, INVALID } from './errors.js';
import type { EventSink } from './events.js';
import type { PlanHold } from './failpoint.js';
import { StateOutage, waitsOut } from './outage.js';
import { type PlanOptions, type Prepared, planAt } from './prepare.js';
import { OutcomeRefresher } from './refresh.js';
import type { PlaceFlags } from './resolve.js';
import { earliestListed, forgetBefore } from './said.js';
import { type RetainedCalls, readState, stateError } from './state.js';
import { stateMoved } from './state-moved.js';
import { targetNotesSaid } from './target-notes.js';
import { describeTarget, describeTargets, targetsOf } from './targets.js';
import { turns } from './turns.js';
import {
  RECORD_AGAIN_MS,
  type RecordedAgain,
  type UnrecordedOutcomes,
  unrecordedOutcomes,
} from './unrecorded.js';
import { unrecordedOutcome } from './unsettled-words.js';

/** Longest sleep between two looks at the schedule (and at the definitions). */
const MAX_SLEEP_MS = 60_000;
/** How often definitions that were left invalid are looked at again. */
const PAUSED_SLEEP_MS = 2_000;
/** Calls a batch placed are first asked about this long after it (or at the pace, if sooner). */
const FIRST_REFRESH_MS = 2_000;

export interface SchedulerInput {
  readonly root: string;
  /** The definitions as they were when the run started (and its stamp, taken before). */
  readonly prepared: Prepared;
  readonly stamp: string;
  /** The files of the definitions as they were seen for `stamp` (projectLook). */
  readonly files: readonly FileSeen[];
  /** `--env-file FILE` (absolute), when given: looked at with the definitions, as `.env` is. */
  readonly envFile?: string;
  /** Loads the definitions again; throws an EngineError when they are invalid. */
  readonly reload: () => Promise<Prepared>;
  readonly store: StateStore;
  /** The calls the store's `state.keep` goes by: moved to the definitions of each reload. */
  readonly retained?: RetainedCalls;
  readonly lock: Lockfile;
  readonly lockPath: string;
  readonly lockPathOf: (prepared: Prepared) => string;
  readonly flags: PlaceFlags;
  readonly plan: Pick<PlanOptions, 'only'>;
  readonly secrets?: readonly Secret[];
  readonly signal: AbortSignal;
  readonly sink: EventSink;
  /** How often each target is asked about outcomes (see OutcomeRefresher). */
  readonly refreshEveryMs: number;
  /** The state as the user knows it (the lockfile's name, or the state database). */
  readonly lockName: string;
  /** Whether the run lock was lost since it was taken (HeldState's `lost`). */
  readonly lockLost?: () => LockLoss | undefined;
  /** The notes on other targets' entries run said as it started (targetNotesAt), if any. */
  readonly targetNotes?: TargetNotes;
  /** Awaited by each wake just before it plans (a test's failpoint: see ./failpoint.ts). */
  readonly holdPlan?: PlanHold;
}

export interface SchedulerResult {
  /** A batch failed, or definitions were left invalid, at some point of the run. */
  readonly failed: boolean;
}

/** Why placing stopped, and what to say once that is undone. */
interface Paused {
  readonly paused: string;
  /** What changed back, said when placing resumes: the definitions may never have been invalid. */
  readonly back: string;
}

/**
 * The definitions as they are now, or why no call may be placed until they change again:
 * they are invalid, or they move the run to another target or lockfile, which only a new
 * start may do.
 */
const reloaded = async (
  input: SchedulerInput,
  current: Prepared,
): Promise<{ readonly prepared: Prepared } | Paused> => {
  const restart = 'no call is placed until run is restarted (or they change back)';
  let next: Prepared;
  try {
    next = await input.reload();
  } catch (error) {
    // A name of --only that is gone is a usage error at start; here it is a bad change.
    if (!(error instanceof EngineError)) throw error;
    const generic = error.message === INVALID;
    return {
      paused: `the definitions changed and are invalid${generic ? '' : ` (${error.message})`}: no call is placed until they are fixed`,
      back: 'the definitions are valid again',
    };
  }
  const [from, to] = [current.choice.runTarget, next.choice.runTarget];
  if (from !== to) {
    return {
      paused: `the definitions moved the target from \`${from}\` to \`${to}\`: ${restart}`,
      back: `the definitions choose target \`${from}\` again`,
    };
  }
  if (input.lockPathOf(next) !== input.lockPath) {
    return {
      paused: `the definitions moved the lockfile: ${restart}`,
      back: 'the definitions name the lockfile run started with again',
    };
  }
  if (gatewayOf(next) !== gatewayOf(current)) {
    return {
      paused: `the definitions changed where target \`${to}\` places calls (its base_url, account_sid or flavor): ${restart}`,
      back: `target \`${to}\` places calls where it did again: its base_url, account_sid and flavor are back to what run started with`,
    };
  }
  const moved = stateMoved(
    { state: current.project.config.state, env: current.env },
    { state: next.project.config.state, env: next.env },
  );
  if (moved !== undefined) {
    return {
      paused: `the definitions changed where the state lives (\`state:\` ${moved}): ${restart}`,
      back: '`state:` names where the state lived when run started again',
    };
  }
  return { prepared: next };
};

/**
 * Where the run's target places calls: its base_url, account_sid and flavor as written and
 * as they resolve (a reload reads the environment and .env again). A change is as much a
 * change of gateway as another target is; its api_key may change (a key rotated).
 */
const gatewayOf = (prepared: Prepared): string => {
  const { runTarget, specs } = prepared.choice;
  const spec = specs.get(runTarget);
  if (spec === undefined) return runTarget;
  const resolved = (text: string) => interpolateString(text, prepared.env);
  const account = resolved(spec.account_sid);
  return JSON.stringify([
    spec.base_url,
    spec.account_sid,
    spec.flavor ?? '',
    // Never printed: the URL as it resolves, so a secret of its path that changed is a change.
    describeTarget(runTarget, specs, prepared.env, []),
    account.missing.length > 0 || account.malformed ? '' : account.text,
  ]);
};

/**
 * Why run ends once its run lock is lost. A database store's lease ran out while the database
 * could not be reached, and another run took the lock (or it was let go) meanwhile; the file
 * store's `.callops/run.lock` was removed or replaced (`why`). Two schedulers would then
 * share the project: this one, which no longer holds it, stops.
 */
const lockLostError = (lost: LockLoss, lockName: string): EngineError => {
  if (lost.moved === true) {
    return new EngineError(
      'locked',
      `${lost.why}; this run places nothing more and stops; what it placed is in the folder where it is now (in ${lockName}, or in its .callops/ journal as after a crash): start run again in the folder where it is now, and it records that first`,
    );
  }
  if (lost.why !== undefined) {
    // Exit 75 either way: a run whose lock file is gone cannot tell whether another took it.
    const next =
      lost.holder === undefined
        ? `keep \`.callops/\` out of cleanups, and start run again once no other run holds the lock (\`callops unlock\` says whether one does)`
        : 'that run places the calls from now on';
    return new EngineError(
      'locked',
      `${lost.why}; this run places nothing more and stops; what it placed is recorded in ${lockName}: ${next}`,
    );
  }
  return lost.holder === undefined
    ? new EngineError(
        'failed',
        `the run lock of ${lockName} was let go while this run could not reach it for longer than its lease (by \`callops unlock\`, or by a run that took it over and ended); this run stops and sends nothing more: start it again`,
      )
    : new EngineError(
        'locked',
        `the run lock of ${lockName} was taken over while this run could not reach it for longer than its lease: it is now ${describeHolder(lost.holder, new Date())}; this run stops and sends nothing more`,
      );
};

/**
 * Says what was recorded of the outcomes run kept, and those refused for good (unknown, with
 * the command that settles them). Resolves whether each one recorded was placed.
 */
const sayRecorded = async (
  input: SchedulerInput,
  again: RecordedAgain,
  redact: (text: string) => string,
): Promise<boolean> => {
  for (const o of again.recorded) recordSettled(o.key);
  if (again.recorded.length > 0)
    await input.sink({ type: 'scheduler:recorded', outcomes: again.recorded });
  if (again.refused.length > 0) {
    await input.sink({
      type: 'scheduler:unrecorded',
      outcomes: again.refused.map((k) =>
        unrecordedOutcome(k.entry, k.error, input.store.backend, redact),
      ),
    });
    for (const k of again.refused) recordSettled(k.entry.key);
  }
  return again.refused.length === 0 && again.recorded.every((o) => o.status === 'placed');
};

/**
 * `run`: places calls as their slots fall due, each slot once, until `signal` aborts. Wakes
 * at the next slot (at least once a minute), a slot a do-not-call list holds back included,
 * looks at the definitions (and the lists) again first, reports each missed slot once (the
 * state remembers through which slot), and says each suppressed placement once, as each one
 * the per-number limit holds back; it wakes when the limit lets such a one through, and
 * places it then, within its deadline (one it could not place then, a batch busy past its
 * deadline, is a missed slot, reported once). A database store that fails is waited out
 * (see StateOutage): nothing is planned until it answers again; so is a runner's clock too
 * far from the database's to place by (see ClockHold).
 *
 * Outcomes a database store could not take (it failed while their calls were at the gateway)
 * are kept: their claims stay this run's, and it records them once the database answers
 * again, before it places anything more, and as it ends, whatever ends it (RECORD_AGAIN_MS
 * at most); only those still unrecorded then are said unknown, with their sid.
 */
export const runScheduler = async (input: SchedulerInput): Promise<SchedulerResult> => {
  const unrecorded = input.store.backend === 'postgres' ? unrecordedOutcomes() : undefined;
  const redact = makeRedactor(input.secrets ?? []);
  let failed = true;
  try {
    ({ failed } = await schedule(input, unrecorded, redact));
  } finally {
    if (unrecorded !== undefined && unrecorded.size > 0) {
      const again = await unrecorded.recordUntil(input.store, RECORD_AGAIN_MS);
      if (!(await sayRecorded(input, again, redact))) failed = true;
      const left = unrecorded.left();
      if (left.length > 0) {
        failed = true;
        await input.sink({
          type: 'scheduler:unrecorded',
          outcomes: left.map((k) =>
            unrecordedOutcome(k.entry, k.error, input.store.backend, redact),
          ),
        });
        for (const k of left) recordSettled(k.entry.key);
      }
    }
  }
  await input.sink({ type: 'scheduler:stopped' });
  return { failed };
};

/** runScheduler's loop: `unrecorded` takes the outcomes its batches could not record. */
const schedule = async (
  input: SchedulerInput,
  unrecorded: UnrecordedOutcomes | undefined,
  redact: (text: string) => string,
): Promise<SchedulerResult> => {
  const { sink, signal, flags } = input;
  let { prepared, stamp, lock, files } = input;
  let failed = false;
  let paused: string | undefined;
  // What each pause since placing stopped will have undone once placing resumes, in order.
  const back = new Set<string>();
  // The keys this run reported missed: each once.
  const reported = new Set<string>();
  // The keys this run said the per-number limit holds back: each said once, when it fell due.
  // Not reported missed: a slot held back until its deadline (or a later slot) is no missed
  // one of the plan, but one the limit let through that run could not place in time is.
  const saidWaiting = new Set<string>();
  // The placements held back by a do-not-call list that this run said suppressed, of those
  // the latest plan holds back: each is said once while it stays due (a slot until its
  // deadline passes), as apply says it, not at every wake.
  const saidSuppressed = new Set<string>();
  // Of a campaign run selects some rows of (--only NAME/ROW), through which slot this run
  // reported missed ones: the state does not keep it (the campaign's memory is its other
  // rows' too), and this run does not report them again.
  const partlyReported: Record<string, string> = {};
  // A call that failed in this run is not sent again by it, as long as its definition is
  // the same: a 4xx would fail again every minute. An edit of the call, the next apply,
  // or the next start of run tries it again.
  const givenUp = new Set<string>();
  // The warnings resolving the due calls drew (a number from a ${VAR} without its +), said
  // once, as validate says a literal's once the definitions are read: again only after a
  // reload, which says the literal's again too.
  const warned = new Set<string>();
  // The entries later than the clock said (the clock went back, or a runner's was ahead).
  const clockAheadSaid = new Set<string>();
  const attempt = (item: { key: string; definition: string }) => `${item.key}\0${item.definition}`;
  // A line per target whose entries the run's target reads otherwise (a target renamed, one
  // whose variables are unset here): said when the set changes, not with every batch.
  const targetNotes = targetNotesSaid(input.targetNotes ?? {});
  // One rate per target for the whole run, not a fresh one per batch.
  const limiters = new Map<string, RateLimiter>();
  const turn = turns();
  // A refresh recorded outcomes (or failed to) since the last wake: the next one reads the
  // state again first, at once, for a redial that became due (or a failure to handle).
  let refreshed = false;
  let wakeEarly: (() => void) | undefined;
  const refresher = new OutcomeRefresher({
    store: input.store,
    lockName: input.lockName,
    everyMs: input.refreshEveryMs,
    sink,
    signal,
    held: !input.store.concurrentRunners,
    turn: (work) => turn.run(work),
    changed: () => {
      refreshed = true;
      wakeEarly?.();
    },
  });
  /** Sleeps `ms`, or less: until a stop, or until a refresh recorded something. */
  const nap = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0 || refreshed || signal.aborted) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wakeEarly = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      wakeEarly = done;
    });
  const { backend } = input.store;
  const outage = new StateOutage(sink, redact);
  const clockHold = new ClockHold(sink);
  /** Records the outcomes this run kept; a database that fails again is a state error. */
  const recordKept = async (): Promise<void> => {
    if (unrecorded === undefined || unrecorded.size === 0) return;
    const again = await unrecorded.recordAgain(input.store, RECORD_AGAIN_MS);
    if (!(await sayRecorded(input, again, redact))) failed = true;
    // A call that failed is not sent again by this run while its definition stays.
    for (const o of again.recorded)
      if (o.status === 'failed') givenUp.add(`${o.key}\0${o.definition}`);
    if (again.error !== undefined) throw stateError(again.error);
  };
  /** Ends run once its run lock is lost, whatever else failed. */
  const holdsLock = (): void => {
    const lost = input.lockLost?.();
    if (lost !== undefined) throw lockLostError(lost, input.lockName);
  };
  /**
   * A wake failed on the state: a database store's failure is waited out (said; resolves
   * with the wait before the database is asked again); any other error ends run.
   */
  const stateFailed = async (error: unknown): Promise<number> => {
    holdsLock();
    if (!waitsOut(error, backend)) throw error;
    return outage.failed(error);
  };
  // The look at the files of the latest wake whose plan was remembered. A call the memory
  // does not know at a later wake was not in the files as of that look (an added call, read
  // at this wake's reload): callops first saw it then, not now, so its slot that fell due in
  // between is placed within its deadline or reported missed once. Unset until a wake's plan
  // is remembered: the calls read at start are first seen at the first wake's look then.
  let remembered: Date | undefined;
  // That first look, on the monotonic clock: the first plan may come long after it (held for
  // a wrong clock, the state out of reach), and a slot live as run first looked is placed
  // within its deadline or reported missed then, as after any pause, never dropped unseen.
  // Told onto the wall clock as it plans, which is right by then, whatever it read at start.
  let firstLook: number | undefined;
  // A wake met a campaign CSV that changed after it was read: the next one loads the
  // definitions again (stale), and then the state (readAgain), before it plans.
  let stale = false;
  let readAgain = false;
  // The CSV whose change stopped this wake's batch: said already, with the batch.
  let stoppedOn: string | undefined;
  /** One wake: it looks, plans and places; resolves with how long to sleep after it. */
  const wake = async (): Promise<number> => {
    try {
      stoppedOn = undefined;
      holdsLock();
      if (refreshed) {
        refreshed = false;
        readAgain = true;
        // A refresh whose outcomes the state could not take fails as this wake's would.
        const failure = refresher.takeFailure();
        if (failure !== undefined) return await stateFailed(failure.error);
      }
      const look = new Date();
      firstLook ??= performance.now();
      const looked = await projectLook(input.root, input.envFile);
      const seen = looked.stamp;
      // As seen before the definitions the wake plans with were read (again, if they changed).
      files = looked.files;
      if (stale || seen !== stamp) {
        stale = false;
        stamp = seen;
        const next = await reloaded(input, prepared);
        if ('paused' in next) {
          paused = next.paused;
          back.add(next.back);
          failed = true;
          await sink({ type: 'scheduler:paused', reason: paused });
        } else {
          const were = prepared.project.calls.length;
          prepared = next.prepared;
          // Before anything is written again: retention goes by the calls as they are now, and
          // never reads rows of a CSV through the reader of a file that has changed since.
          input.retained?.follow(prepared.project);
          if (paused !== undefined)
            await sink({ type: 'scheduler:resumed', reason: [...back].join('; ') });
          paused = undefined;
          back.clear();
          warned.clear();
          await sink({ type: 'scheduler:reloaded', calls: prepared.project.calls.length, were });
        }
      }
      if (paused !== undefined) {
        // Nothing is placed, nor refreshed, but the outcomes it kept are recorded once the
        // database answers (a failure was said already: tried again at the next look).
        refresher.pause();
        await recordKept().catch(() => undefined);
        return PAUSED_SLEEP_MS;
      }
      // callops.lock replaced by another writer (a `git pull` of placements made elsewhere,
      // an older copy put back): taken in before anything is planned, this run's records kept.
      try {
        if (await input.store.reread()) readAgain = true;
        // What a `receive` beside this run accepted: it cannot record it while this run holds
        // the lock (file store), so this run does, before it plans (a redial may be due now).
        const received = (await input.store.recordReceived?.()) ?? 0;
        if (received > 0) {
          readAgain = true;
          await sink({ type: 'state:received', recorded: received });
        }
      } catch (error) {
        return await stateFailed(error);
      }
      if (outage.down || readAgain || (unrecorded?.size ?? 0) > 0) {
        // The outcomes it kept are recorded first, and the view is read again before anything
        // is planned: what the failed wake recorded (and what others did meanwhile) is in it.
        try {
          await recordKept();
          lock = await readState(input.store);
        } catch (error) {
          return await stateFailed(error);
        }
        readAgain = false;
        holdsLock();
        if (outage.down) await outage.back();
      }
      // Schedules, windows and deadlines go by this runner's clock: measured against the
      // state database's before anything is planned, and nothing goes while it is wrong.
      if (input.store.clock !== undefined) {
        let verdict: ClockVerdict;
        try {
          verdict = await input.store.clock.measure();
        } catch (error) {
          return await stateFailed(stateError(error));
        }
        if (await clockHold.holds(verdict)) return CLOCK_HOLD_RECHECK_MS;
      }
      // The do-not-call lists as they are on disk now (they are no definitions: a change is
      // no reload): a number taken off a list is placed at its next slot, not only once run
      // restarts; one put on a list is held back by the plan, not only just before its
      // request. A list that turned bad stops run, as it stops a batch.
      await prepared.suppression?.refresh();
      if (input.holdPlan !== undefined) {
        await input.holdPlan(signal);
        if (signal.aborted) return 0;
      }
      const now = new Date();
      const firstSeen = remembered ?? new Date(now.getTime() - (performance.now() - firstLook));
      const plan = planAt(prepared, lock, now, {
        ...input.plan,
        upcomingCount: 1,
        reported: partlyReported,
        firstSeen,
      });
      // What this run said or gave up of slots no plan lists any more is let go.
      const floor = earliestListed(plan);
      forgetBefore(reported, floor);
      forgetBefore(saidWaiting, floor);
      forgetBefore(givenUp, floor, (entry) => entry.slice(0, entry.indexOf('\0')));
      const due = plan.due.filter((item) => !givenUp.has(attempt(item)));
      for (const ahead of plan.clockAhead ?? []) {
        if (clockAheadSaid.has(ahead.key)) continue;
        clockAheadSaid.add(ahead.key);
        await sink({ type: 'scheduler:clock-ahead', warning: clockAheadWarning(ahead, now) });
      }
      const notes = targetNotes.next(plan);
      if (notes !== undefined)
        await sink({ type: 'scheduler:targets', target: plan.target, notes });
      // Each missed slot is reported once, also across restarts: the state remembers through
      // which slot each call's missed ones were reported.
      // So is each expired campaign row (the campaign's memory remembers its end as reported).
      // Those said now are counted in the summary of the batch placed next (as apply does).
      const said: MissedReport[] = [];
      for (const report of plan.unreported ?? []) {
        if (report.expired) {
          // One line per campaign: its rows are in `callops plan` and `report`.
          const { memory, count } = report;
          await sink({ type: 'scheduler:expired', memory, count, end: report.through ?? '' });
          said.push(report);
          continue;
        }
        const items = report.items.filter((i) => !reported.has(i.key));
        said.push({ ...report, items, count: report.count - (report.items.length - items.length) });
        for (const item of items) {
          reported.add(item.key);
          await sink({ type: 'scheduler:missed', item });
        }
        if (report.count > report.items.length) {
          await sink({
            type: 'scheduler:missed-count',
            memory: report.memory,
            count: report.count,
            listed: report.items.length,
            ...(report.atLeast && { atLeast: true }),
          });
        }
      }
      for (const { memory, through, partial } of plan.unreported ?? []) {
        const before = partlyReported[memory];
        if (partial && through !== undefined && (before === undefined || before < through)) {
          partlyReported[memory] = through;
        }
      }
      const memory = withSchedules(lock, markChecked(plan.memory ?? {}, plan.unreported ?? []));
      if (memory.changed) {
        lock = memory.lock;
        try {
          await rememberSchedules(input.store, lock);
        } catch (error) {
          return await stateFailed(error);
        }
      }
      remembered = look;
      // Said with the batch placed now (in its summary, as apply does), else on their own.
      const held = suppressedNow(plan);
      const heldKeys = new Set(held.map((item) => item.key));
      for (const key of saidSuppressed) if (!heldKeys.has(key)) saidSuppressed.delete(key);
      const suppressed = held.filter((item) => !saidSuppressed.has(item.key));
      // Those the per-number limit holds back, each said once, with its reason, when it falls
      // due: not left unsaid until the limit lets it through, or its deadline passes.
      const waiting = (plan.waiting ?? []).filter((item) => !saidWaiting.has(item.key));
      if (due.length === 0) {
        for (const item of suppressed) {
          saidSuppressed.add(item.key);
          await sink({ type: 'scheduler:suppressed', item });
        }
        for (const item of waiting) {
          saidWaiting.add(item.key);
          await sink({ type: 'scheduler:waiting', item });
        }
      }
      if (flags.maxCalls !== undefined && due.length > flags.maxCalls) {
        throw new EngineError(
          'failed',
          `${due.length} calls are due, more than --max-calls ${flags.maxCalls}; none of them was sent, and run stops (see \`callops plan\`)`,
        );
      }
      if (due.length > 0) {
        // Last look before anything is sent (the file store's is one lstat).
        holdsLock();
        let result: DueResult | undefined;
        let failedOn: EngineError | undefined;
        try {
          result = await runDue({
            prepared,
            due,
            // Every target the batch's calls go to, one line each (as apply says them).
            note: describeTargets(
              targetsOf(prepared.choice.runTarget, due),
              prepared.choice.specs,
              prepared.env,
              prepared.secrets,
            ),
            store: input.store,
            lock,
            flags,
            limiters,
            warned,
            signal,
            sink,
            plannedAt: Date.parse(plan.now),
            files,
            ...missedToReport({ unreported: said }),
            missedSaid: true,
            ...(suppressed.length > 0 && { suppressed }),
            ...(waiting.length > 0 && { waiting }),
            ...(plan.partial === undefined ? {} : { partial: plan.partial }),
            ...(input.secrets ? { secrets: input.secrets } : {}),
            ...(backend === 'postgres' && { returnStateError: true }),
            ...(unrecorded && { unrecorded }),
          });
        } catch (error) {
          // A claim refused for a lost run lock: said as such, whatever the batch made of it.
          holdsLock();
          if (waitsOut(error, backend)) failedOn = error;
          else if (!(error instanceof EngineError) || error.kind === 'state') throw error;
          else {
            // Nothing was sent (a missing variable, say): say it once, not every minute.
            for (const item of due) givenUp.add(attempt(item));
            await sink({ type: 'scheduler:batch-failed', message: error.message });
            failed = true;
          }
        }
        if (result !== undefined) {
          // Said in its summary: those the plan held back, and those the list held back
          // just before their request (read again then, as the next plan reads it).
          for (const item of suppressed) saidSuppressed.add(item.key);
          for (const key of result.suppressed ?? []) saidSuppressed.add(key);
          for (const item of waiting) saidWaiting.add(item.key);
          for (const key of result.waiting ?? []) saidWaiting.add(key);
        }
        if (result?.unread !== undefined && result.stateError === undefined) {
          // What the batch placed is recorded, but the state could not be read after it: the
          // last view read is kept (never an empty one, in which every slot placed looks
          // missed), and the state is read again before anything more is planned. Nothing
          // is sent until the database answers (StateOutage).
          for (const key of result.missed ?? []) reported.add(key);
          if (result.status === 'failed') failed = true;
          const failedKeys = new Set(result.failedKeys);
          for (const item of due) if (failedKeys.has(item.key)) givenUp.add(attempt(item));
          if (result.stopped) {
            stoppedOn = result.changedFile;
            await sink({ type: 'scheduler:batch-failed', message: result.stopped.message });
          }
          readAgain = true;
          if (backend === 'postgres') failedOn = stateError(new Error(result.unread));
        } else if (result?.stateError !== undefined) {
          // What the batch did is in its summary; the calls it did not send are still due.
          for (const key of result.missed ?? []) reported.add(key);
          if (result.status === 'failed') failed = true;
          failedOn = result.stateError;
          // Last: naming a row reads its CSV, which may have changed since (see the catch).
          const failedKeys = new Set(result.failedKeys);
          for (const item of due) if (failedKeys.has(item.key)) givenUp.add(attempt(item));
        } else if (result !== undefined) {
          lock = result.lock;
          for (const key of result.missed ?? []) reported.add(key);
          // Stopped on request once the calls in flight were recorded: the loop ends below,
          // exit 1 still if a call of the batch failed or is unknown.
          if (result.status === 'failed') failed = true;
          // A call file (callops.yaml, an env file) edited during the batch: the calls not
          // sent stay due, and the definitions are read again at once, before any of them
          // goes. No failure: run follows edited definitions.
          if (result.stopped !== undefined && edited(result.stopped)) {
            const { file, what } = result.stopped.cause as DefinitionsChanged;
            stale = true;
            await sink({
              type: 'scheduler:definitions-changed',
              file,
              what,
              notSent: result.notSent ?? 0,
            });
          }
          // A campaign's CSV changed: the calls not sent stay due, read from the file again
          // once the next wake sees it changed.
          else if (result.stopped) {
            stoppedOn = result.changedFile;
            await sink({ type: 'scheduler:batch-failed', message: result.stopped.message });
          }
          refresher.defer(
            prepared,
            lock,
            new Date(),
            Math.min(FIRST_REFRESH_MS, input.refreshEveryMs),
          );
          // Last: naming a row reads its CSV, which may have changed since (see the catch).
          for (const item of due) {
            // A row of a CSV that changed cannot be named: it is read again at the next wake.
            if (item.file === result.changedFile) continue;
            if (lock.calls[item.key]?.status === 'failed') givenUp.add(attempt(item));
          }
        }
        if (failedOn !== undefined) {
          return await stateFailed(failedOn);
        }
      }
      // Outcomes of placed calls, at each target's pace, beside the scheduler (see
      // OutcomeRefresher): from the definitions and the state as this wake left them.
      refresher.watch(prepared, lock);
      // A batch stopped for an edit: the next wake reads the definitions at once.
      if (stale) return 0;
      // A slot that fell due while the batch ran is looked at without delay (not filtered
      // out as past, which would sleep the whole MAX_SLEEP_MS beyond its deadline).
      // Campaign rows waiting for their calling hours wake it at their next opening, and
      // placements the per-number limit holds back at the instant it lets one through.
      const next = wakeTimes(plan);
      const sleepMs = next.reduce((soonest, t) => Math.min(soonest, t - Date.now()), MAX_SLEEP_MS);
      return Math.max(250, sleepMs);
    } catch (error) {
      // A campaign's CSV changed after the reader this wake plans with was made: met while
      // planning its rows, reporting them or looking at a batch's rows afterwards. What the
      // wake recorded went through the store; nothing is placed from rows not validated. The
      // definitions are read again (the file with them), and the state with them, at once.
      if (!(error instanceof RecipientsChanged)) throw error;
      if (error.file !== stoppedOn) {
        await sink({ type: 'scheduler:recipients-changed', file: error.file, what: error.what });
      }
      stale = true;
      readAgain = true;
      return 0;
    }
  };
  try {
    while (!signal.aborted) {
      // The refresh records nothing while a wake plans and places (see Turns).
      const end = await turn.take();
      let sleepMs: number;
      try {
        sleepMs = await wake();
      } finally {
        end();
      }
      await nap(sleepMs);
    }
  } finally {
    // Its reads cut short (a read that hangs included), and waited for.
    await refresher.close();
  }
  return { failed };
};
