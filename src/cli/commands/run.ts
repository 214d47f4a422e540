import { join, resolve } from 'node:path';
import { projectLook } from '../../config/load.js';
import { planHold } from '../../engine/failpoint.js';
import { retryScope } from '../../engine/prepare.js';
import { refreshEveryMs } from '../../engine/refresh.js';
import { runScheduler } from '../../engine/scheduler.js';
import { holdState, retainedCalls } from '../../engine/state.js';
import { targetNotesAt } from '../../engine/target-notes.js';
import { describeTargets, targetsOf } from '../../engine/targets.js';
import { selectedBy } from '../../plan/index.js';
import { lockfileText, shownTargetNotes, shownUnsettled } from '../../report/lockfile-shown.js';
import { targetNoteLines } from '../../report/plan.js';
import { makeRedactor } from '../../report/redact.js';
import { makeStyle } from '../../report/style.js';
import { renderUnsettledHuman, unsettledEntries } from '../../report/unsettled.js';
import type { CommandModule } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { prepareProject } from '../load.js';
import { parsePlaceFlags, runReporter } from '../run-report.js';
import { shownSink } from '../run-shown.js';
import { openProjectState } from '../state.js';
import { reportUnsettledToGithub, unknownsSaid } from '../unsettled.js';

export const command: CommandModule = {
  summary: 'long-running scheduler',
  usage: `Usage: callops run --yes [--only NAME…] [--max-calls N] [--concurrency N] [--rate N/s]

Holds the run lock and places calls as their slots fall due, each slot once, inside its
window and before its deadline (a slot missed while callops was not running is reported
once, never placed late; after downtime only the most recent slot still due is placed unless
the schedule says \`catchup: all\`). Unscheduled calls not yet placed are placed at start.
Definitions are looked at again at every wake (at least once a minute, and always before a
slot is placed): an edited, added or removed call takes effect then; definitions left
invalid place nothing until they are fixed. An edit of callops.yaml, an env file or the
call file of a call being placed stops its batch before the next request (looked at most
every 250 ms); run then reads the definitions again and goes on as they say now. A placement a do-not-call list holds back is
said suppressed once, when it falls due (a list is read again once it changes); one the
per-number limit holds back is said waiting once, and not reported missed after. Outcomes of
placed calls are asked of each target at most once a minute (CALLOPS_RUN_REFRESH_SECONDS),
first 2 s after a batch, beside the scheduler: a read that is slow or hangs delays no slot;
a gateway error is said once and backs off. A state database that fails (a restart, a
failover) is waited out: nothing is sent until it answers again, asked at least every 15 s;
outcomes it could not take are kept and recorded then, before anything more is sent (and
as run stops). A runner whose clock is more than 60 s from the state database's places
nothing until it is right (measured again every 5 s), then resumes by itself.
SIGINT/SIGTERM stop it after the calls in flight are recorded (exit 0: a
scheduler stopped on request; 1 if a call of the run failed or is unknown).
--yes is required: run places calls unattended.`,
  refuses: { now: 'run follows the clock: it takes no --now (use plan --now to preview)' },
  options: {
    yes: { type: 'boolean', short: 'y' },
    only: { type: 'string', multiple: true },
    'max-calls': { type: 'string' },
    concurrency: { type: 'string' },
    rate: { type: 'string' },
  },
  handlesSignals: true,
  onStop: 'stopping: no new calls; finishing and recording the ones in flight',
  run: async (ctx) => {
    if (ctx.nowGiven)
      throw new UsageError('run follows the clock: it takes no --now (use plan --now to preview)');
    if (ctx.values.yes !== true) throw new UsageError('run places calls unattended: pass --yes');
    const flags = parsePlaceFlags(ctx.values);
    // Taken before the definitions are read, so that an edit made meanwhile is seen.
    const envFile = ctx.envFile === undefined ? undefined : resolve(ctx.envFile);
    const { stamp, files } = await projectLook(ctx.root, envFile);
    const prepared = await prepareProject(ctx, 'send');
    const { config } = prepared.project;
    // Named at start; a batch's summary names them again only once the list changed.
    const unknowns = unknownsSaid();
    // A hand edit or a merge may have put a secret in any string of the lockfile: what is
    // printed of it is shown hidden, as status shows it; the run uses the lockfile itself.
    const text = lockfileText(prepared.secrets);
    const sink = shownSink(
      runReporter(ctx, prepared.choice.runTarget, unknowns, {
        warnings: prepared.warnings,
        redact: makeRedactor(prepared.secrets),
      }),
      text,
    );
    // The scheduler moves it to the definitions of each reload.
    const retained = retainedCalls(prepared.project);
    const { store, secrets } = await openProjectState(ctx, config, prepared.env, 'callops run', {
      use: 'send',
      // A clock too wrong to place by is said by the scheduler, which holds every batch.
      placing: true,
      calls: retained.calls,
      keepMs: retained.keepMs,
      secrets: prepared.secrets,
    });
    const lockName = store.backend === 'file' ? config.lockfile : 'the state database';
    const held = await holdState(store, lockName, 'callops run', sink).catch(
      async (error: unknown) => {
        await store.close();
        throw error;
      },
    );
    try {
      // The calls run places: those `--only` selects, when given.
      const only = ctx.values.only;
      const chosen = Array.isArray(only) ? new Set(only as string[]) : undefined;
      // And every target they go to, one line each: a call pinned to a real gateway is
      // dialled there whatever the run's target is (under --target, one pinned elsewhere is
      // skipped).
      const { choice } = prepared;
      let count = 0;
      const pinned = new Set<string>();
      for (const call of prepared.project.calls) {
        if (!selectedBy(chosen, call)) continue;
        count++;
        if (call.enabled && call.target !== undefined && !choice.explicit) pinned.add(call.target);
      }
      const note = describeTargets(
        targetsOf(
          choice.runTarget,
          [...pinned].map((target) => ({ target })),
        ),
        choice.specs,
        prepared.env,
        prepared.secrets,
      );
      // Then which targets' entries it reads otherwise (renamed, on its gateway, unresolved
      // here), as apply says them: once now, and again only when the set changes.
      const targetNotes = targetNotesAt(prepared, held.lock);
      const noted = targetNoteLines(
        text === undefined ? targetNotes : shownTargetNotes(targetNotes, text),
        choice.runTarget,
      );
      ctx.stderr.write(
        `${[note, ...noted].join('\n')}\nrunning: ${count} call${count === 1 ? '' : 's'}; stop with Ctrl-C or SIGTERM\n`,
      );
      // Entries left unknown by an earlier run are never placed by run: say so at once.
      const unsettled = shownUnsettled(
        unsettledEntries(held.lock, prepared.project.calls, [], Date.now(), retryScope(prepared)),
        text,
      );
      unknowns.changed(unsettled);
      for (const line of renderUnsettledHuman(unsettled, makeStyle(false))) {
        ctx.stderr.write(`${line}\n`);
      }
      await reportUnsettledToGithub(ctx, unsettled);
      // A test's failpoint (engine/failpoint.ts): unset, no wake waits.
      const hold = planHold(ctx.env);
      const lockPathOf = (p: typeof prepared) =>
        join(p.project.config.root, p.project.config.lockfile);
      const result = await runScheduler({
        root: ctx.root,
        prepared,
        stamp,
        files,
        ...(envFile === undefined ? {} : { envFile }),
        reload: () => prepareProject(ctx, 'send'),
        store,
        retained,
        lock: held.lock,
        lockPath: lockPathOf(prepared),
        lockPathOf,
        flags,
        plan: Array.isArray(only) ? { only } : {},
        secrets,
        signal: ctx.signal,
        sink: (event) =>
          event.type === 'scheduler:refresh-problem'
            ? void ctx.stderr.write(`refresh: target ${event.target}: ${event.message}\n`)
            : sink(event),
        refreshEveryMs: refreshEveryMs(ctx.env),
        lockName,
        lockLost: held.lost,
        targetNotes,
        holdPlan: hold,
      });
      // Stopped on request once the calls in flight were recorded: exit 0 unless a batch failed.
      return result.failed ? EXIT.failed : EXIT.ok;
    } finally {
      // Closed even when the run lock cannot be let go (its database gone): the lease that
      // holds it then runs out on its own.
      try {
        await held.release();
      } finally {
        await store.close();
      }
    }
  },
};
