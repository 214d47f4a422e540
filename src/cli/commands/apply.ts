import { resolve as resolvePath } from 'node:path';
import { brokenLink } from '../../config/exists.js';
import { definitionFiles } from '../../config/load.js';
import { readRegularFile } from '../../config/regular-file.js';
import { wrongClockRefusal } from '../../engine/clock-hold.js';
import { type DueResult, rememberSchedules, runDue } from '../../engine/due.js';
import { EngineError } from '../../engine/errors.js';
import { planFileDigests } from '../../engine/plan-digests.js';
import { checkReplacedHeld, checkReplaceNames, planAt } from '../../engine/prepare.js';
import { checkRehearsal, rehearsalNote } from '../../engine/rehearsal.js';
import { resolutionProblems, UNRESOLVED } from '../../engine/resolve.js';
import { holdState, readState } from '../../engine/state.js';
import { describeTargets, SIMULATOR_TARGET, targetsOf } from '../../engine/targets.js';
import {
  checkPlanFile,
  definitionsOf,
  markChecked,
  memoryAt,
  missedToReport,
  planFileSelection,
  suppressedNow,
  withSchedules,
} from '../../plan/index.js';
import { inFlightSkipped } from '../../plan/twin-held.js';
import type { PlanItem } from '../../plan/types.js';
import { lockfileText, shownItems, shownPlan } from '../../report/lockfile-shown.js';
import { targetNoteLines } from '../../report/plan.js';
import { makeRedactor } from '../../report/redact.js';
import { unknownPlanned } from '../../report/unsettled.js';
import { lockDigest } from '../../state/lockfile.js';
import { warnClockAhead } from '../clock-ahead.js';
import { confirm } from '../confirm.js';
import type { CommandModule } from '../context.js';
import { CliError, EXIT, exitCodeOf, UsageError } from '../exit.js';
import { prepareProject } from '../load.js';
import { firstSeenAt } from '../now.js';
import { parsePlaceFlags, runReporter } from '../run-report.js';
import { shownSink } from '../run-shown.js';
import { openProjectState } from '../state.js';
import { captured, parseWaitFlag, SIMULATOR_WAIT_NOTE, waitForPlaced } from '../wait.js';

export const command: CommandModule = {
  summary: 'place every call that is due now',
  usage: `Usage: callops apply [--yes] [--plan FILE] [--only NAME…] [--max-calls N]
                     [--concurrency N] [--rate N/s] [--retry-unknown] [--replace NAME…]
                     [--wait DURATION]

Places every call that is due now and not yet placed, records each outcome in the
lockfile, and ends with a summary. Asks before placing on a terminal; without one, --yes
is required. Every missing environment variable is reported before anything is sent.

  --yes               do not ask (required when stdin is not a terminal)
  --plan FILE         place exactly the calls of a plan file from \`plan --out\`; refused when
                      the lockfile, any definition, a target's gateway or a value the calls
                      resolve to changed since
  --only NAME         place only these calls (repeatable)
  --max-calls N       refuse, before sending anything, a run that would place more than N
  --concurrency N     requests in flight per target (overrides the target's setting)
  --rate N/s          new calls per second per target (overrides the target's setting)
  --retry-unknown     place entries whose outcome is unknown again (they may have been placed)
  --replace NAME      place this placed, unscheduled call (or campaign row without cron/at nor
                      redial) again, deliberately (repeatable); the earlier sid stays in the
                      entry's history
  --wait DURATION     then wait up to DURATION (1s to 1h, e.g. 30s) for the outcomes of the
                      calls placed, asking the gateway every 2 s, and record them; busy or
                      unanswered calls do not change the exit code; a signal ends the wait
                      at once (exit 130)`,
  options: {
    yes: { type: 'boolean', short: 'y' },
    plan: { type: 'string' },
    only: { type: 'string', multiple: true },
    'max-calls': { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
    'retry-unknown': { type: 'boolean' },
    replace: { type: 'string', multiple: true },
    wait: { type: 'string' },
  },
  handlesSignals: true,
  onStop: 'stopping: no new calls; finishing and recording the ones in flight',
  run: async (ctx) => {
    const flags = parsePlaceFlags(ctx.values);
    const waitMs = parseWaitFlag(ctx.values);
    const planFile = typeof ctx.values.plan === 'string' ? ctx.values.plan : undefined;
    if (planFile !== undefined && (ctx.values.only !== undefined || ctx.nowGiven)) {
      throw new UsageError(
        '--plan executes the plan file as it is: it takes neither --only nor --now',
      );
    }
    if (planFile !== undefined && ctx.values.replace !== undefined) {
      throw new UsageError('--plan executes the plan file as it is: it takes no --replace');
    }
    // The file's keys are what goes; whether they include unknown entries was decided by
    // `plan --retry-unknown` when it was made, not here.
    if (planFile !== undefined && ctx.values['retry-unknown'] === true) {
      throw new UsageError(
        '--plan executes the plan file as it is: it takes no --retry-unknown (the plan file records whether it was made with --retry-unknown)',
      );
    }
    // The files of the definitions as they are before they are read: one edited from then
    // on (while the question waits, or the calls are placed) stops apply before its next
    // request, as a campaign's CSV edited does.
    const files = await definitionFiles(
      ctx.root,
      ctx.envFile === undefined ? undefined : resolvePath(ctx.envFile),
    );
    const prepared = await prepareProject(ctx, 'send');
    const { project, choice } = prepared;
    const simulatorSaid = waitMs !== undefined && choice.runTarget === SIMULATOR_TARGET;
    if (simulatorSaid) ctx.stderr.write(`${SIMULATOR_WAIT_NOTE}\n`);
    const rehearsal = planFile === undefined && ctx.nowGiven;
    if (rehearsal) checkRehearsal([choice.runTarget], choice, prepared.env, ctx.now);
    const only = Array.isArray(ctx.values.only) ? ctx.values.only : undefined;
    const replace = Array.isArray(ctx.values.replace) ? ctx.values.replace : undefined;
    // With --wait in JSON, the run's one object gets the outcomes before it is printed.
    const capture = waitMs !== undefined && ctx.format === 'json' ? captured(ctx) : undefined;
    // A hand edit or a merge may have put a secret in any string of the lockfile: what is
    // printed of it is shown hidden, as status shows it; the run uses the lockfile itself.
    const text = lockfileText(prepared.secrets);
    const sink = shownSink(
      runReporter(capture?.ctx ?? ctx, choice.runTarget, undefined, {
        warnings: prepared.warnings,
        redact: makeRedactor(prepared.secrets),
      }),
      text,
    );
    const { store, secrets } = await openProjectState(
      ctx,
      project.config,
      prepared.env,
      'callops apply',
      {
        use: 'send',
        calls: () => project.named,
        secrets: prepared.secrets,
        // A rehearsal goes by its own instant: the runner's clock places none of its calls.
        placing: !rehearsal,
      },
    );
    // Schedules, windows and deadlines go by this runner's clock: one too far from the state
    // database's would place calls at the wrong hour. Refused before anything is planned or sent.
    const wrongClock = rehearsal ? undefined : wrongClockRefusal(store);
    if (wrongClock !== undefined) {
      await store.close();
      throw wrongClock;
    }
    // Several runners may share a database store: each places only what it claims, so
    // apply takes no single-holder lock there. The file store needs its run lock.
    const held = await (store.concurrentRunners
      ? readState(store).then((lock) => ({ lock, release: async () => {} }))
      : holdState(store, project.config.lockfile, 'callops apply', sink)
    ).catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    try {
      const unplaced = checkReplaceNames(
        prepared,
        held.lock,
        planFile !== undefined ? new Date() : ctx.now,
        {
          ...(only ? { only } : {}),
          ...(replace ? { replace } : {}),
          retryUnknown: ctx.values['retry-unknown'] === true,
        },
        true,
      );
      // A plan file lists the keys to place, unknown ones included when it was made with
      // --retry-unknown; its lock digest proves they were unknown when it was reviewed. It is
      // checked against the plan made now with the selection it was made with (its --only,
      // its --retry-unknown): per-number limits and a campaign's numbers count the calls of
      // this run, not those the reviewed plan left out. Only its keys go.
      const fileContent = planFile === undefined ? undefined : await readPlanFile(planFile);
      const selection =
        planFile === undefined
          ? { ...(only ? { only } : {}), retryUnknown: ctx.values['retry-unknown'] === true }
          : planFileSelection(fileContent, held.lock);
      const { retryUnknown } = selection;
      // One reading of the clock: a rehearsal ahead of it plans and remembers a call it sees
      // first since then (firstSeenAt, memoryAt), so every rehearsal reports the same slots.
      const clock = new Date();
      const plan = planAt(prepared, held.lock, planFile !== undefined ? clock : ctx.now, {
        ...selection,
        ...(replace ? { replace } : {}),
        ...firstSeenAt(rehearsal, clock),
        rehearsal,
      });
      warnClockAhead(ctx.stderr, plan);
      checkReplacedHeld(plan, replace, true, unplaced);
      if (rehearsal)
        checkRehearsal(
          plan.due.map((i) => i.target),
          choice,
          prepared.env,
          ctx.now,
        );
      // In a rehearsal (--now, simulator or loopback only), deadlines are met on the real clock
      // as shifted by --now: time spent from here on (the question, the queue) still counts.
      // Otherwise there is no shift: windows and deadlines hold on the real clock.
      const planShiftMs = rehearsal ? ctx.now.getTime() - Date.now() : 0;
      let due: readonly PlanItem[] = plan.due;
      if (planFile !== undefined) {
        const check = checkPlanFile(fileContent, {
          plan,
          lockDigest: lockDigest(held.lock),
          definitions: definitionsOf(project.calls),
          digests: (salt) => planFileDigests(prepared, salt),
          unresolved: (items) => resolutionProblems(prepared, items),
        });
        // A variable missing now is reported as a plain apply reports it, each at its place.
        if (!check.ok && check.diagnostics !== undefined) {
          await sink({
            type: 'diagnostics',
            diagnostics: [...check.diagnostics],
            sourceText: prepared.sourceText,
            redact: makeRedactor([...secrets, ...prepared.secrets]),
          });
          throw new EngineError('invalid', UNRESOLVED);
        }
        if (!check.ok)
          throw new CliError(
            `--plan ${planFile}: ${check.reason}; nothing was sent`,
            check.notAPlan ? EXIT.usage : undefined,
          );
        due = check.due;
      }
      // Every target the due calls go to, one line each, in the question and the output: a
      // call pinned to a real gateway is dialled there whatever the run's target is. Then
      // which targets' entries hold calls placed under another name.
      const target = describeTargets(
        targetsOf(choice.runTarget, due),
        choice.specs,
        prepared.env,
        prepared.secrets,
      );
      const shown = shownPlan(plan, held.lock);
      const targets = [target, ...targetNoteLines(shown, plan.target)].join('\n');
      const note = rehearsal ? `${targets}\n${rehearsalNote(ctx.now)}` : targets;
      if (due.length > 0 && flags.maxCalls !== undefined && due.length > flags.maxCalls) {
        throw new CliError(
          `${due.length} calls are due, more than --max-calls ${flags.maxCalls}; nothing was sent (see \`callops plan\`)`,
        );
      }
      if (due.length > 0 && ctx.values.yes !== true) {
        if (!ctx.stdinIsTTY) {
          throw new CliError(
            `${due.length} call${due.length === 1 ? ' is' : 's are'} due but stdin is not a terminal: pass --yes to place them; nothing was sent`,
            EXIT.usage,
          );
        }
        // A replacement's reason names the sid it replaces: shown as the lockfile's text is.
        if (!(await confirm(ctx, shownItems(due, text), note))) {
          const interrupted = ctx.signal.aborted;
          ctx.stderr.write(
            `${interrupted ? '\nInterrupted' : 'Not confirmed'}; nothing was sent.\n`,
          );
          return interrupted ? EXIT.interrupted : EXIT.failed;
        }
      }
      if (rehearsal && ctx.format === 'json') ctx.stderr.write(`${rehearsalNote(ctx.now)}\n`);
      // Missed slots are reported once: those reported by an earlier apply or run are not.
      const { missed, missedCount } = missedToReport(plan);
      // A rehearsal ahead of the clock reports its missed slots but keeps none as reported.
      const memory = withSchedules(
        held.lock,
        memoryAt(
          held.lock.schedules,
          markChecked(plan.memory ?? {}, plan.unreported ?? []),
          ctx.now,
          clock,
        ),
      );
      if (memory.changed) await rememberSchedules(store, memory.lock);
      // Skipped for another runner placing them now: said, not silently left out. A call
      // --replace names that another runner is placing (replacing, most likely) is said as a
      // replacement that comes second is, on stderr: no failure, nothing sent for it.
      // Or under a twin target's name (the target renamed in another checkout): the same race,
      // a call (slot, row) in flight all the same, said and counted as one under its own key.
      const inFlight = inFlightSkipped(plan.skipped, memory.lock.calls);
      const notReplaced = inFlight.filter((i) => replace?.includes(i.name) === true);
      if (notReplaced.length > 0) {
        await sink({
          type: 'run:claimed-elsewhere',
          calls: notReplaced.map((i) => ({
            key: i.key,
            reason: 'not replaced: being placed by another runner right now',
          })),
        });
      }
      // A replacement of a row outside its calling hours is not placed by this run, nor kept
      // for a later one: said, so that `--replace` is given again once the hours open.
      const outside = plan.upcoming.filter(
        (i) => i.replaces !== undefined && replace?.includes(i.name) === true,
      );
      if (outside.length > 0) {
        await sink({
          type: 'run:claimed-elsewhere',
          calls: outside.map((i) => ({
            key: i.key,
            reason: `not replaced: the row is outside its calling hours${i.opens === undefined ? '' : ` until ${i.opens}`}; nothing was sent for it: give \`--replace ${i.name}\` again then`,
          })),
        });
      }
      const result = await runDue({
        prepared,
        due,
        note,
        store,
        lock: memory.lock,
        flags,
        planShiftMs,
        rehearsal,
        plannedAt: Date.parse(plan.now),
        files,
        signal: ctx.signal,
        sink,
        secrets,
        retryUnknown,
        changed: plan.skipped.filter((i) => i.changed === true),
        planned: unknownPlanned(plan, held.lock, retryUnknown),
        missed,
        missedCount,
        ...(plan.partial === undefined ? {} : { partial: plan.partial }),
        // Said and counted once due, as run says them: the plan lists those to come too.
        ...(plan.suppressed === undefined ? {} : { suppressed: suppressedNow(plan) }),
        ...(plan.waiting === undefined ? {} : { waiting: plan.waiting }),
        inFlight: inFlight.filter((i) => !notReplaced.includes(i)),
        // The JSON object and GitHub's step summary list every placed call; the plain and
        // live output say how many.
        listPlaced: ctx.format === 'json' || ctx.env.GITHUB_ACTIONS === 'true',
        returnStateError: true,
      });
      if (result.stateError) {
        if (capture !== undefined) ctx.stdout.write(capture.text());
        // Said after the summary, whatever the exit code: what could not be written and how
        // many calls were not sent. Interrupted, the stop is why apply did not place all it
        // was asked to: 130, as for a call that failed; else the error's own code (75 for a
        // run lock lost on the way, 1 for a state write that failed).
        throw new CliError(
          `${result.stateError.message}${againHint(result, store.backend)}`,
          result.interrupted ? EXIT.interrupted : exitCodeOf(result.stateError),
        );
      }
      // Interrupted, apply did not place all it was asked to now: 130, failures or not.
      const code = result.interrupted
        ? EXIT.interrupted
        : result.status === 'failed'
          ? EXIT.failed
          : EXIT.ok;
      if (capture !== undefined && (waitMs === undefined || result.stopped))
        ctx.stdout.write(capture.text());
      // After the summary: what was placed is recorded; the calls not sent are still due.
      if (result.stopped) throw new CliError(`${result.stopped.message} — run the command again`);
      if (waitMs === undefined) return code;
      // Stopped during the run, the wait asks nothing: it says what is known (nothing yet).
      const waited = await waitForPlaced(ctx, {
        prepared,
        store,
        lockName: project.config.lockfile,
        before: memory.lock,
        after: result.lock,
        waitMs,
        simulatorSaid,
        ...(capture ? { capture } : {}),
      });
      // A stop during the wait cut it short: apply was interrupted (130), failures or not.
      return waited.interrupted ? EXIT.interrupted : code;
    } finally {
      await held.release();
      await store.close();
    }
  },
};

/**
 * What to do after a state database that failed mid-apply: the calls not sent are still due,
 * and none of them was dialled (each waited for its claim), so apply again places them.
 */
const againHint = (result: DueResult, backend: string): string =>
  result.stateError?.kind === 'state' && backend === 'postgres' && (result.notSent ?? 0) > 0
    ? ' — run `callops apply` again once the state database answers (none of the calls not sent was dialled)'
    : '';

const readPlanFile = async (planFile: string): Promise<unknown> => {
  const path = resolvePath(planFile);
  const usage = (why: string) => new CliError(`--plan ${planFile}: ${why}`, EXIT.usage);
  // Its kind checked before a byte is read: a FIFO there would hold apply for ever.
  const read = await readRegularFile(path).catch((error: NodeJS.ErrnoException) => {
    throw usage(brokenLink(path) ?? (error.code === 'ENOENT' ? 'no such file' : error.message));
  });
  if ('problem' in read) throw usage(read.problem);
  const text = read.bytes.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new CliError(
      `--plan ${planFile}: not a callops plan file (invalid JSON); nothing was sent`,
      EXIT.usage,
    );
  }
};
