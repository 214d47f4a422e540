import { planFileDigests } from '../../engine/plan-digests.js';
import { checkReplacedHeld, checkReplaceNames, planAt, retryScope } from '../../engine/prepare.js';
import { resolutionProblems } from '../../engine/resolve.js';
import { readState } from '../../engine/state.js';
import { runTargetUnset } from '../../engine/target-notes.js';
import { describeTargets, planTargets } from '../../engine/targets.js';
import { jsonBytes, newSalt, planFileJson } from '../../plan/index.js';
import { diagnosticsJson, redactDiagnostics } from '../../report/diagnostics.js';
import { shownLockfile, shownPlan } from '../../report/lockfile-shown.js';
import { planHumanPieces, planJson, runTargetUnsetText } from '../../report/plan.js';
import { markdownCalls, planMarkdownPieces } from '../../report/plan-markdown.js';
import { makeRedactor } from '../../report/redact.js';
import { makeStyle } from '../../report/style.js';
import { unknownPlanned, unsettledEntries } from '../../report/unsettled.js';
import { lockDigest } from '../../state/lockfile.js';
import { DEFAULT_SCHEMA } from '../../state/postgres/schema.js';
import { warnClockAhead } from '../clock-ahead.js';
import type { CommandModule } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { prepareProject, reportDiagnostics } from '../load.js';
import { firstSeenAt } from '../now.js';
import { checkOutFile, PLAN_OUT, writeOutFile } from '../out-file.js';
import { writeChunks } from '../output.js';
import { openProjectState } from '../state.js';
import { reportUnsettledToGithub } from '../unsettled.js';

export const command: CommandModule = {
  summary: 'show what apply would do now',
  usage: `Usage: callops plan [--detailed-exitcode] [--out FILE] [--only NAME…] [--retry-unknown]
                    [--replace NAME…]

Shows what apply would do now (or at --now): the calls due and whom each dials, the missed
and skipped ones with the reason, and the next slots of scheduled calls. Sends nothing and
needs no network. Destinations show \${VAR} references, never their values; a variable
that apply would find missing, or a value it would refuse, is a warning here.
\`--format markdown\` renders it as a pull-request comment, with what changed against the
lockfile.

  --detailed-exitcode  exit 2 when calls are due, 0 when none (1 on errors)
  --out FILE           write a plan file that \`apply --plan FILE\` executes exactly
  --only NAME          plan only these calls (repeatable)
  --retry-unknown      treat unknown entries as due, as apply --retry-unknown would
  --replace NAME       show NAME placed again, as apply --replace NAME would (repeatable)`,
  options: {
    'detailed-exitcode': { type: 'boolean' },
    out: { type: 'string' },
    only: { type: 'string', multiple: true },
    'retry-unknown': { type: 'boolean' },
    replace: { type: 'string', multiple: true },
  },
  run: async (ctx) => {
    const prepared = await prepareProject(ctx);
    const { project, choice } = prepared;
    if (ctx.values.replace !== undefined && ctx.values.out !== undefined) {
      throw new UsageError(
        '--replace is not saved in a plan file: run `callops apply --replace NAME` instead',
      );
    }
    const outText = typeof ctx.values.out === 'string' ? ctx.values.out : undefined;
    const outPath =
      outText === undefined
        ? undefined
        : await checkOutFile(PLAN_OUT, outText, prepared, ctx.envFile);
    const lockName = project.config.lockfile;
    const { store } = await openProjectState(ctx, project.config, prepared.env, 'callops plan', {
      calls: () => project.named,
      secrets: prepared.secrets,
    });
    const read = await readState(store).finally(() => store.close());
    // A hand edit or a merge may have put a secret in any of its strings: shown hidden.
    const lock = shownLockfile(read, prepared.secrets);
    const only = Array.isArray(ctx.values.only) ? ctx.values.only : undefined;
    const replace = Array.isArray(ctx.values.replace) ? ctx.values.replace : undefined;
    const options = { ...(only ? { only } : {}), ...(replace ? { replace } : {}) };
    const retryUnknown = ctx.values['retry-unknown'] === true;
    const unplaced = checkReplaceNames(
      prepared,
      lock,
      ctx.now,
      { ...options, retryUnknown },
      false,
    );
    // As `apply --now` plans: a call first seen ahead of the clock is seen since the clock.
    const plan = planAt(prepared, lock, ctx.now, {
      ...options,
      retryUnknown,
      ...firstSeenAt(ctx.nowGiven),
      rehearsal: ctx.nowGiven,
    });
    warnClockAhead(ctx.stderr, plan);
    checkReplacedHeld(plan, replace, false, unplaced);
    // What is printed of it: reasons quoting a key of the lockfile shown as its text is.
    const shown = shownPlan(plan, lock);
    // Unknown entries that this plan retries (--retry-unknown) are listed as due instead, or
    // as upcoming when it places them later (a row outside its calling hours): once each.
    const retry = ctx.values['retry-unknown'] === true;
    const retried = retry ? [...plan.due, ...plan.upcoming] : plan.due;
    const unsettled = unsettledEntries(
      lock,
      project.calls,
      retried,
      Date.parse(plan.now),
      retryScope(prepared),
      // Those this plan does not retry, with --retry-unknown: its reason says why.
      unknownPlanned(plan, lock, retry),
    );
    // What apply would refuse once it resolves the due calls: said now, as warnings.
    const problems = resolutionProblems(prepared, plan.due);
    const unresolved = problems.map((d) => ({ ...d, severity: 'warning' as const }));
    // Each of them an error to apply, which then sends nothing at all: the due list below is
    // what it would place once they resolve.
    const refused = problems.filter((d) => d.severity === 'error').length;
    const redact = makeRedactor(prepared.secrets);
    reportDiagnostics(ctx, unresolved, prepared.sourceText, redact);
    if (outText !== undefined && outPath !== undefined) {
      // Its due items and definitions made as they are written: a campaign's are many.
      // Where each due target places calls and what each due call resolves to, as digests
      // with a salt of the file's own: apply refuses the file when either changed.
      const salt = newSalt();
      const file = planFileJson(
        plan,
        {
          lockDigest: lockDigest(read),
          salt,
          digests: planFileDigests(prepared, salt),
          // What selected its due calls: apply plans again with the same selection.
          ...(only ? { only } : {}),
          ...(retry ? { retryUnknown: true } : {}),
        },
        project.calls,
      );
      await writeOutFile(PLAN_OUT, outText, outPath, jsonBytes(file));
    }
    // Every target its calls go to, one line each: a call pinned to a real gateway is dialled
    // there whatever the run's target is.
    const targets = planTargets(plan);
    const unset = runTargetUnset(prepared, plan);
    const targetNote = [
      describeTargets(targets, choice.specs, prepared.env, prepared.secrets),
      ...(unset === undefined ? [] : [runTargetUnsetText(plan.target, unset)]),
    ].join('\n');
    if (ctx.format === 'json') {
      const warnings = diagnosticsJson(
        redactDiagnostics([...prepared.warnings, ...unresolved], redact),
      );
      // Each item made as it is written, in chunks the reader takes in turn: a campaign's
      // plan is large.
      await writeChunks(
        ctx.stdout,
        jsonBytes({ ...planJson(shown, unsettled, targets), warnings }),
      );
    } else if (ctx.format === 'markdown') {
      await writeChunks(
        ctx.stdout,
        planMarkdownPieces({
          plan: shown,
          lock,
          calls: markdownCalls(project.calls),
          targetNote,
          lockName: lockName,
          ...(project.config.state.backend === 'postgres'
            ? { postgresSchema: project.config.state.schema ?? DEFAULT_SCHEMA }
            : {}),
          unsettled,
        }),
      );
    } else {
      // Written a piece at a time: a plan of many calls is never one string of text.
      await writeChunks(
        ctx.stdout,
        planHumanPieces(shown, targetNote, makeStyle(ctx.color), unsettled),
      );
      if (refused > 0) ctx.stdout.write(`${refusedLine(refused)}\n`);
      if (typeof ctx.values.out === 'string')
        ctx.stdout.write(
          `Saved the plan to ${ctx.values.out}: \`callops apply --plan ${ctx.values.out}\` places exactly these calls.\n`,
        );
    }
    await reportUnsettledToGithub(ctx, unsettled);
    if (ctx.values['detailed-exitcode'] === true && plan.due.length > 0) return EXIT.changes;
    return EXIT.ok;
  },
};

/** Said under a plan whose due calls apply would refuse as things stand. */
export const refusedLine = (count: number): string =>
  `apply would send nothing as things stand: ${count === 1 ? 'a value' : `${count} values`} warned about above ${count === 1 ? 'does' : 'do'} not resolve (set or fix ${count === 1 ? 'it' : 'them'} first)`;
