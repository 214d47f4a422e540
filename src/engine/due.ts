import { arrayRun, joinRuns } from '../campaign/lazy-list.js';
import {
  DefinitionsChanged,
  type DefinitionsWatch,
  type FileSeen,
  filesOf,
  watchDefinitions,
} from '../config/watched.js';
import { type Outcome, type OutcomeCounts, tallyOutcomes } from '../execute/outcome.js';
import type { RateLimiter } from '../execute/rate.js';
import type { ResolvedTarget } from '../execute/target.js';
import { markReported, withSchedules } from '../plan/memory.js';
import type { MissedCount, PlanItem } from '../plan/types.js';
import type { ApplySummary } from '../report/apply.js';
import { makeRedactor } from '../report/redact.js';
import { type PlannedUnknown, unsettledEntries } from '../report/unsettled.js';
import type { Secret } from '../resolve/index.js';
import type { StateStore } from '../state/store.js';
import type { Lockfile } from '../state/types.js';
import { hasErrors, unsaidWarnings } from '../validate/diagnostic.js';
import { EngineError } from './errors.js';
import type { EventSink } from './events.js';
import { gatewaysOf } from './gateways.js';
import { onePerKey } from './one-per-key.js';
import { type HeldBack, placeCalls, type SendScreen } from './place.js';
import { callNumberOf, type Prepared, retryScope, slotOwnersOf } from './prepare.js';
import { type PlaceFlags, resolveRequests, UNRESOLVED } from './resolve.js';
import { stateError } from './state.js';
import type { UnrecordedOutcomes } from './unrecorded.js';

export interface DueRun {
  readonly prepared: Prepared;
  readonly due: readonly PlanItem[];
  readonly note: string;
  readonly store: StateStore;
  readonly lock: Lockfile;
  readonly flags: PlaceFlags;
  readonly signal: AbortSignal;
  readonly sink: EventSink;
  /** Secrets known before the run (the state database URL): redacted like the others. */
  readonly secrets?: readonly Secret[];
  /** `--retry-unknown`: unknown keys in `due` may be claimed. */
  readonly retryUnknown?: boolean;
  /**
   * The plan's `now` minus the real time when it was made (0 unless `--now` was given): a
   * slot's deadline is enforced on the real clock, shifted as the plan was.
   */
  readonly planShiftMs?: number;
  /** `apply --now`: a rehearsal, at the plan's `now` shifted as above. */
  readonly rehearsal?: boolean;
  /** The plan's `now` (epoch ms): when its due items were found due (resolveRequests). */
  readonly plannedAt?: number;
  /** Rate limiters kept across batches (`run`). */
  readonly limiters?: Map<string, RateLimiter>;
  /**
   * The warnings resolving said in earlier batches (`run`, by diagnosticId): not said again,
   * as validate's warnings of a literal are said once, when the definitions are read.
   */
  readonly warned?: Set<string>;
  /**
   * `run` on a database store: outcomes the state could not record are kept here for that
   * run to record later (PlaceInput's `unrecorded`).
   */
  readonly unrecorded?: UnrecordedOutcomes;
  /** Placed calls whose definition changed since (not placed again; how, if at all, is in its reason). */
  readonly changed?: readonly PlanItem[];
  /** Missed slots to report with this run's outcomes (not reported before): those listed. */
  readonly missed?: readonly PlanItem[];
  /** How many slots `missed` stands for, listed or not (default: as many as it lists). */
  readonly missedCount?: MissedCount;
  /** Their lines were written already (`run` says each as it finds it): counted, not repeated. */
  readonly missedSaid?: true;
  /**
   * Memories of campaigns the plan covered some rows of only (`Plan.partial`): a slot missed
   * while waiting its turn does not move them (the campaign's other rows share them).
   */
  readonly partial?: readonly string[];
  /**
   * What the plan said of unknown entries (unknownPlanned): when the rows waiting for their
   * calling hours open, and why a plan that retries does not place some.
   */
  readonly planned?: PlannedUnknown;
  /** Due placements the plan held back: on a do-not-call list, or waiting for the limit. */
  readonly suppressed?: readonly PlanItem[];
  readonly waiting?: readonly PlanItem[];
  /** Due calls another runner is placing right now (a database store): skipped, said why. */
  readonly inFlight?: readonly PlanItem[];
  /**
   * Whether the summary lists every placed call (default true): the JSON output and the
   * step summary do; the plain and live output need only the counts, and so not an outcome
   * object a call for the whole run.
   */
  readonly listPlaced?: boolean;
  /**
   * The files the definitions were read from, as seen just before (projectLook): those of the
   * due calls are looked at again before each request, and an edit stops the batch.
   */
  readonly files?: readonly FileSeen[];
  /**
   * `run` on a database store: a state that could not be written ends the batch, not the
   * caller; `apply`: its exit code says whether a stop came too. Its error comes back in
   * the result (after the summary), rather than thrown.
   */
  readonly returnStateError?: true;
}

const heldOf = (items: readonly PlanItem[] | undefined): HeldBack[] =>
  (items ?? []).map((i) => ({ key: i.key, reason: i.reason ?? '' }));

/**
 * The due calls another runner is placing: those the plan found so, then those whose claim
 * another runner made first during this run (`found`). Counted alike: none is sent here.
 */
const inFlightOf = (run: DueRun, found: readonly HeldBack[] = []): { inFlight?: HeldBack[] } => {
  const inFlight = [...heldOf(run.inFlight), ...found];
  return inFlight.length === 0 ? {} : { inFlight };
};

/** The do-not-call lists and the per-number limit, checked again before each request. */
const sendScreen = (run: DueRun): SendScreen | undefined => {
  const { suppression } = run.prepared;
  const { perNumber } = run.prepared.project.config;
  if (suppression === undefined && perNumber === undefined) return undefined;
  return {
    ...(suppression === undefined ? {} : { suppression }),
    ...(perNumber === undefined ? {} : { perNumber }),
  };
};

export interface DueResult {
  /** `failed`: a call failed or is unknown (or could not be let go), stopped or not. */
  readonly status: 'ok' | 'failed';
  /**
   * A stop cut the run short, once the calls in flight were recorded. Apart from `status`:
   * `apply` exits 130 either way, `run` (a scheduler stopped on request) 1 only on a failure.
   */
  readonly interrupted: boolean;
  readonly lock: Lockfile;
  /** Keys whose slot's deadline passed before they could be sent (reported already). */
  readonly missed?: readonly string[];
  /**
   * Keys a do-not-call list held back just before their request (said in the summary): the
   * next plan, which reads the list as it is now, holds them back too.
   */
  readonly suppressed?: readonly string[];
  /** Keys the per-number limit held back just before their request (said in the summary). */
  readonly waiting?: readonly string[];
  /**
   * Why the batch stopped before its end (a campaign's CSV changed), once what it placed was
   * recorded: the calls it did not send are still due.
   */
  readonly stopped?: EngineError;
  /** The campaign CSV whose change stopped it: its rows can no longer be named. */
  readonly changedFile?: string;
  /**
   * With `returnStateError`: the state could not be written, and nothing more was sent.
   * The calls not sent are still due; `lock` is then not the state's view (read it again).
   */
  readonly stateError?: EngineError;
  /**
   * The state could not be read after the batch (its outcomes were recorded, or kept to be):
   * `lock` is then no view of it, but empty. Why, redacted.
   */
  readonly unread?: string;
  /**
   * With `stateError` or `unread`: the keys whose call failed in the batch, their outcome
   * recorded.
   */
  readonly failedKeys?: readonly string[];
  /**
   * With `stateError`, or `stopped`: how many due calls were never sent (none of them was
   * dialled).
   */
  readonly notSent?: number;
}

/** A slot the plan found missed, as an outcome: nothing was sent, nothing is recorded. */
const missedOutcome = (item: PlanItem, at: string): Outcome => ({
  key: item.key,
  status: 'missed',
  at,
  message: item.reason ?? 'missed',
});

const missedLine = (item: PlanItem): string =>
  `missed  ${item.key}${item.local ? ` (${item.local})` : ''}  ${item.reason ?? ''}`.trimEnd();

/** The instant the run's plan was made for: the clock, shifted as `--now` shifted the plan. */
const runNow = (run: DueRun): number => Date.now() + (run.planShiftMs ?? 0);

const withUnlisted = (counts: OutcomeCounts, unlisted: number): OutcomeCounts =>
  unlisted === 0 ? counts : { ...counts, missed: counts.missed + unlisted };

/** resolve → place → record, for calls already confirmed; reported through `run.sink`. */
export const runDue = async (run: DueRun): Promise<DueResult> => {
  const { note, sink } = run;
  const due = onePerKey(run.due);
  const reportedAt = new Date().toISOString();
  const before = (run.missed ?? []).map((item) => missedOutcome(item, reportedAt));
  const missedText =
    run.missedSaid === true
      ? ''
      : (run.missed ?? []).map((item) => `${missedLine(item)}\n`).join('');
  // The missed slots not listed count as much as those listed.
  const unlisted = Math.max(0, (run.missedCount?.count ?? before.length) - before.length);
  const missedAtLeast = run.missedCount?.atLeast === true && { missedAtLeast: true as const };
  if (due.length === 0) {
    await sink({
      type: 'run:nothing-due',
      note,
      missedText,
      items: run.missed ?? [],
      summary: {
        outcomes: before,
        counts: withUnlisted(tallyOutcomes(before), unlisted),
        ...missedAtLeast,
        notStarted: [],
        elapsedMs: 0,
        interrupted: false,
        unsettled: unsettledEntries(
          run.lock,
          run.prepared.project.calls,
          [],
          runNow(run),
          retryScope(run.prepared),
          run.planned,
        ),
        changed: run.changed ?? [],
        suppressed: heldOf(run.suppressed),
        waiting: heldOf(run.waiting),
        ...inFlightOf(run),
      },
    });
    return { status: 'ok', interrupted: false, lock: run.lock };
  }
  const resolved = await resolveRequests(
    run.prepared,
    due,
    run.flags,
    run.planShiftMs ?? 0,
    run.plannedAt,
  );
  try {
    // Errors stop the run before anything is sent; warnings alone (a number that resolved
    // without its +) are said and the run goes on, as for a value written in the file.
    const diagnostics =
      run.warned === undefined
        ? resolved.diagnostics
        : unsaidWarnings(resolved.diagnostics, run.warned);
    if (diagnostics.length > 0) {
      await sink({
        type: 'diagnostics',
        diagnostics,
        sourceText: run.prepared.sourceText,
        redact: makeRedactor([
          ...(run.secrets ?? []),
          ...resolved.secrets,
          ...run.prepared.secrets,
        ]),
      });
      if (hasErrors(diagnostics)) throw new EngineError('invalid', UNRESOLVED);
    }
    const redact = makeRedactor([
      ...(run.secrets ?? []),
      ...resolved.secrets,
      ...run.prepared.secrets,
    ]);
    await sink({ type: 'run:start', items: due, targetNote: note, missedText });
    const result = await placeCalls({
      items: resolved.items,
      request: resolved.request,
      targets: resolved.targets as Map<string, ResolvedTarget>,
      store: run.store,
      onEvent: (event) => {
        void sink(event);
      },
      redact,
      signal: run.signal,
      ...(run.retryUnknown === true && { retryUnknown: true }),
      ...(run.limiters ? { limiters: run.limiters } : {}),
      ...(run.unrecorded ? { unrecorded: run.unrecorded } : {}),
      ...withScreen(run),
      ...watchOf(run),
      // A row a refused claim names is read as the plan reads it: whether it shares the number.
      numberOf: callNumberOf(run.prepared),
      // A slot a refused claim names is judged as the plan judges a slot renamed.
      slotOwners: slotOwnersOf(run.prepared),
      // Each entry records which gateway placed it.
      gateways: gatewaysOf(run.prepared),
      // A call placed again names what its plan read of its key under other targets.
      planned: run.lock,
      ...(run.listPlaced === false && { listPlaced: false }),
      // A slot's claim judges the later slots of its call at the rehearsal's instant.
      ...(run.rehearsal === true && { rehearsalShiftMs: run.planShiftMs ?? 0 }),
    });
    // The rows of a CSV that changed are not named again: their ids are in that file.
    const changedFile = result.changedRows?.file;
    const named = <T extends { readonly file: string }>(list: readonly T[]): readonly T[] =>
      changedFile === undefined ? list : list.filter((i) => i.file !== changedFile);
    const summary: ApplySummary = {
      outcomes: before.length === 0 ? result.outcomes : [...before, ...result.outcomes],
      counts: withUnlisted(tallyOutcomes(before, { ...result.counts }), unlisted),
      ...missedAtLeast,
      notStarted: result.notStarted,
      ...(result.changedRows && { changedRows: result.changedRows }),
      elapsedMs: result.elapsedMs,
      interrupted: result.interrupted,
      ...(result.stopped && { stopped: true }),
      unsettled: unsettledEntries(
        result.lock,
        named(run.prepared.project.calls),
        [],
        runNow(run),
        retryScope(run.prepared, changedFile),
        run.planned,
      ),
      ...(result.unread !== undefined && { unsettledUnread: result.unread }),
      changed: run.changed ?? [],
      suppressed: [...heldOf(run.suppressed), ...result.suppressed],
      waiting: [...heldOf(run.waiting), ...result.waiting],
      ...inFlightOf(run, result.inFlight),
      ...(result.recordedElsewhere.length > 0 && {
        recordedElsewhere: result.recordedElsewhere,
      }),
      ...(result.stillClaimed.length > 0 && { stillClaimed: result.stillClaimed }),
      ...(result.claimedElsewhere.length > 0 && { skipped: result.claimedElsewhere }),
    };
    // A campaign's rows stay a list whose items are made when read (not 100,000 at once).
    const items = joinRuns([arrayRun(named(due)), arrayRun(run.missed ?? [])]);
    await sink({ type: 'run:finish', summary, items });
    // After the summary: what was placed is reported and recorded; nothing more may go.
    if (result.stateError && run.returnStateError !== true) throw result.stateError;
    // A claim that could not be given up stays in the state, `unknown` there. An outcome
    // kept to be recorded later is no failure yet: its run judges it once recorded. A stop
    // for an edit of the definitions is none either: `run` reads them again and goes on
    // (`apply` says it stopped all the same, and exits 1).
    const status: 'failed' | 'ok' =
      result.counts.failed + result.counts.unknown - result.kept > 0 ||
      (result.stopped !== undefined && !edited(result.stopped)) ||
      result.stillClaimed.length > 0
        ? 'failed'
        : 'ok';
    const { interrupted } = result;
    const missed = result.outcomes.filter((o) => o.status === 'missed').map((o) => o.key);
    const suppressed = {
      ...(result.suppressed.length > 0 && { suppressed: result.suppressed.map((h) => h.key) }),
      ...(result.waiting.length > 0 && { waiting: result.waiting.map((h) => h.key) }),
    };
    const notSent =
      result.notStarted.length + (result.changedRows?.notStarted ?? 0) + result.stillClaimed.length;
    // What a batch whose state was not written or not read says: its failed outcomes listed
    // apart (one that could not be recorded is listed unknown, not failed).
    const unrecorded = () => ({
      status,
      interrupted,
      lock: result.lock,
      missed,
      ...suppressed,
      ...(result.stopped && { stopped: result.stopped }),
      ...(changedFile !== undefined && { changedFile }),
      failedKeys: result.outcomes.filter((o) => o.status === 'failed').map((o) => o.key),
    });
    if (result.stateError) return { ...unrecorded(), stateError: result.stateError, notSent };
    // The state could not be read after the batch: its `lock` is no view of it (see
    // `unread`), and what the batch missed is remembered from the next view read.
    if (result.unread !== undefined) return { ...unrecorded(), unread: result.unread };
    // A slot missed while it waited its turn was reported just now: remember it, once.
    // A rehearsal ahead of the clock keeps none: the real slots stay due to the real clock.
    const lock =
      (run.planShiftMs ?? 0) > 0
        ? result.lock
        : await rememberMissed(run.store, named(run.due), result.lock, missed, run.partial);
    return {
      status,
      interrupted,
      lock,
      missed,
      ...suppressed,
      ...(result.stopped && { stopped: result.stopped, notSent }),
      ...(changedFile !== undefined && { changedFile }),
    };
  } finally {
    await resolved.close();
  }
};

/** A stop for an edit of the definitions (a call file, callops.yaml, an env file). */
export const edited = (stopped: EngineError): boolean =>
  stopped.cause instanceof DefinitionsChanged;

/** The files the due calls are read from, looked at again before each request. */
const watchOf = (run: DueRun): { definitions?: DefinitionsWatch } => {
  if (run.files === undefined) return {};
  // A campaign's rows name its CSV: their call file is the campaign's.
  const fileOf = new Map(run.prepared.project.named.map((call) => [call.name, call.file]));
  const used = new Set<string>();
  for (const item of run.due) used.add(fileOf.get(item.campaign ?? item.name) ?? item.file);
  return { definitions: watchDefinitions(filesOf(run.files, used)) };
};

const withScreen = (run: DueRun): { screen?: SendScreen } => {
  const screen = sendScreen(run);
  return screen === undefined ? {} : { screen };
};

const rememberMissed = async (
  store: StateStore,
  due: readonly PlanItem[],
  lock: Lockfile,
  keys: readonly string[],
  partial: readonly string[] | undefined,
): Promise<Lockfile> => {
  if (keys.length === 0 || lock.schedules === undefined) return lock;
  const byKey = new Map(due.map((item) => [item.key, item]));
  const items = keys.flatMap((key) => byKey.get(key) ?? []);
  const memory = withSchedules(lock, markReported(lock.schedules, items, partial));
  if (memory.changed) await rememberSchedules(store, memory.lock);
  return memory.lock;
};

/** Keep the schedules memory of `lock` in the store, durably. */
export const rememberSchedules = async (store: StateStore, lock: Lockfile): Promise<void> => {
  try {
    await store.remember(lock.schedules);
    await store.persist();
  } catch (error) {
    throw stateError(error);
  }
};
