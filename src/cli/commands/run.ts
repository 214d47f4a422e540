import { setTimeout as sleep } from 'node:timers/promises';
import { projectStamp } from '../../config/load.js';
import type { RateLimiter } from '../../execute/rate.js';
import { markReported, unreported, withSchedules } from '../../plan/index.js';
import { makeStyle } from '../../report/style.js';
import { renderUnsettledHuman, unsettledEntries } from '../../report/unsettled.js';
import { writeLockfileAtomic } from '../../state/lockfile.js';
import type { CommandContext, CommandModule } from '../context.js';
import { parsePlaceFlags, runDue } from '../execute-due.js';
import { CliError, EXIT, UsageError } from '../exit.js';
import { INVALID, type Prepared, planAt, prepare } from '../prepare.js';
import { holdState, type StatePaths, statePaths } from '../state.js';
import { describeTarget } from '../targets.js';
import { reportUnsettledToGithub } from '../unsettled.js';

/** Longest sleep between two looks at the schedule (and at the definitions). */
const MAX_SLEEP_MS = 60_000;
/** How often definitions that were left invalid are looked at again. */
const PAUSED_SLEEP_MS = 2_000;

/**
 * The definitions as they are now, or why no call may be placed until they change again:
 * they are invalid (the diagnostics were printed), or they move the run to another target
 * or lockfile, which only a new start may do.
 */
const reload = async (
  ctx: CommandContext,
  current: Prepared,
  paths: StatePaths,
): Promise<{ readonly prepared: Prepared } | { readonly paused: string }> => {
  const restart = 'no call is placed until run is restarted (or they change back)';
  let next: Prepared;
  try {
    next = await prepare(ctx);
  } catch (error) {
    // A name of --only that is gone is a usage error at start; here it is a bad change.
    if (!(error instanceof CliError || error instanceof UsageError)) throw error;
    const generic = error.message === INVALID;
    return {
      paused: `the definitions changed and are invalid${generic ? '' : ` (${error.message})`}: no call is placed until they are fixed`,
    };
  }
  const [from, to] = [current.choice.runTarget, next.choice.runTarget];
  if (from !== to) {
    return { paused: `the definitions moved the target from \`${from}\` to \`${to}\`: ${restart}` };
  }
  if (statePaths(next.project.config).lockPath !== paths.lockPath) {
    return { paused: `the definitions moved the lockfile: ${restart}` };
  }
  return { prepared: next };
};

export const command: CommandModule = {
  summary: 'long-running scheduler',
  usage: `Usage: callops run --yes [--only NAME…] [--max-calls N] [--concurrency N] [--rate N/s]

Holds the run lock and places calls as their slots fall due, each slot once, inside its
window and before its deadline (a slot missed while callops was not running is reported
once, never placed late; after downtime only the most recent slot still due is placed unless
the schedule says \`catchup: all\`). Unscheduled calls not yet placed are placed at start.
Definitions are looked at again at every wake (at least once a minute, and always before a
slot is placed): an edited, added or removed call takes effect then; definitions left
invalid place nothing until they are fixed. SIGINT/SIGTERM stop it after the calls in flight are recorded (exit 0:
a scheduler stopped on request).
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
    let stamp = await projectStamp(ctx.root);
    let prepared = await prepare(ctx);
    const paths = statePaths(prepared.project.config);
    const held = await holdState(ctx, paths, 'callops run');
    let note = describeTarget(prepared.choice.runTarget, prepared.choice.specs, prepared.env);
    let lock = held.lock;
    let worst: number = EXIT.ok;
    let paused: string | undefined;
    const reported = new Set<string>();
    // A call that failed in this run is not sent again by it, as long as its definition is
    // the same: a 4xx would fail again every minute. An edit of the call, the next apply,
    // or the next start of run tries it again.
    const givenUp = new Set<string>();
    const attempt = (item: { key: string; definition: string }) =>
      `${item.key}\0${item.definition}`;
    // One rate per target for the whole run, not a fresh one per batch.
    const limiters = new Map<string, RateLimiter>();
    ctx.stderr.write(
      `${note}\nrunning: ${prepared.project.calls.length} calls; stop with Ctrl-C or SIGTERM\n`,
    );
    // Entries left unknown by an earlier run are never placed by run: say so at once.
    const unsettled = unsettledEntries(lock, prepared.project.calls);
    for (const line of renderUnsettledHuman(unsettled, makeStyle(false))) {
      ctx.stderr.write(`${line}\n`);
    }
    await reportUnsettledToGithub(ctx, unsettled);
    try {
      while (!ctx.signal.aborted) {
        const seen = await projectStamp(ctx.root);
        if (seen !== stamp) {
          stamp = seen;
          const next = await reload(ctx, prepared, paths);
          if ('paused' in next) {
            paused = next.paused;
            worst = EXIT.failed;
            ctx.stderr.write(`${paused}\n`);
          } else {
            const before = prepared.project.calls.length;
            prepared = next.prepared;
            note = describeTarget(prepared.choice.runTarget, prepared.choice.specs, prepared.env);
            if (paused !== undefined) ctx.stderr.write('the definitions are valid again\n');
            paused = undefined;
            ctx.stderr.write(
              `definitions reloaded: ${prepared.project.calls.length} calls (were ${before})\n`,
            );
          }
        }
        if (paused !== undefined) {
          await sleep(PAUSED_SLEEP_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
          continue;
        }
        const now = new Date();
        const plan = planAt(prepared, lock, now, ctx.values, { upcomingCount: 1 });
        const due = plan.due.filter((item) => !givenUp.has(attempt(item)));
        // Each missed slot is reported once, also across restarts: the lockfile remembers
        // through which slot each call's missed ones were reported.
        const missed = unreported(plan.missed, lock.schedules).filter((i) => !reported.has(i.key));
        for (const item of missed) {
          reported.add(item.key);
          const local = item.local ? ` (${item.local})` : '';
          ctx.stderr.write(`missed ${item.key}${local} — ${item.reason ?? 'not placed'}\n`);
        }
        const memory = withSchedules(lock, markReported(plan.memory ?? {}, missed));
        if (memory.changed) {
          lock = memory.lock;
          await writeLockfileAtomic(paths.lockPath, lock);
        }
        if (flags.maxCalls !== undefined && due.length > flags.maxCalls) {
          throw new CliError(
            `${due.length} calls are due, more than --max-calls ${flags.maxCalls}; none of them was sent, and run stops (see \`callops plan\`)`,
          );
        }
        if (due.length > 0) {
          try {
            const result = await runDue(ctx, {
              prepared,
              due,
              note,
              lock,
              paths,
              flags,
              limiters,
            });
            lock = result.lock;
            for (const key of result.missed ?? []) reported.add(key);
            for (const item of due) {
              if (lock.calls[item.key]?.status === 'failed') givenUp.add(attempt(item));
            }
            // Stopped on request once the calls in flight were recorded: the loop ends below.
            if (result.code !== EXIT.ok && result.code !== EXIT.interrupted) worst = result.code;
          } catch (error) {
            if (!(error instanceof CliError)) throw error;
            // Nothing was sent (a missing variable, say): say it once, not every minute.
            for (const item of due) givenUp.add(attempt(item));
            ctx.stderr.write(`${error.message}\n`);
            worst = EXIT.failed;
          }
        }
        // A slot that fell due while the batch ran is looked at without delay (not filtered
        // out as past, which would sleep the whole MAX_SLEEP_MS beyond its deadline).
        const next = plan.upcoming
          .map((i) => Date.parse(i.slot ?? ''))
          .filter((t) => !Number.isNaN(t));
        const wake = Math.min(MAX_SLEEP_MS, ...next.map((t) => t - Date.now()));
        await sleep(Math.max(250, wake), undefined, { signal: ctx.signal }).catch(() => undefined);
      }
      ctx.stderr.write('stopped\n');
      return worst;
    } finally {
      await held.release();
    }
  },
};
