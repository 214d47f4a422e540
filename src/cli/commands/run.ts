import { setTimeout as sleep } from 'node:timers/promises';
import type { RateLimiter } from '../../execute/rate.js';
import type { CommandModule } from '../context.js';
import { parsePlaceFlags, runDue } from '../execute-due.js';
import { CliError, EXIT, UsageError } from '../exit.js';
import { planAt, prepare } from '../prepare.js';
import { holdState, statePaths } from '../state.js';
import { describeTarget } from '../targets.js';

/** Longest sleep between two looks at the schedule. */
const MAX_SLEEP_MS = 60_000;

export const command: CommandModule = {
  summary: 'long-running scheduler',
  usage: `Usage: callops run --yes [--only NAME…] [--max-calls N] [--concurrency N] [--rate N/s]

Holds the run lock and places calls as their slots fall due, each slot once, inside its
window and before its deadline (a slot missed while callops was not running is reported,
never placed late). Unscheduled calls not yet placed are placed at start. Definitions are
read once at start: restart to pick up changes. SIGINT/SIGTERM stop it after the calls in
flight are recorded. --yes is required: run places calls unattended.`,
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
    const prepared = await prepare(ctx);
    const { project, choice } = prepared;
    const paths = statePaths(project.config);
    const held = await holdState(ctx, paths, 'callops run');
    const note = describeTarget(choice.runTarget, choice.specs);
    let lock = held.lock;
    let worst: number = EXIT.ok;
    const reported = new Set<string>();
    // A call that failed in this run is not sent again by it: a 4xx would fail again every
    // minute. The next apply, or the next start of run, tries it again.
    const givenUp = new Set<string>();
    // One rate per target for the whole run, not a fresh one per batch.
    const limiters = new Map<string, RateLimiter>();
    ctx.stderr.write(
      `${note}\nrunning: ${project.calls.length} calls; stop with Ctrl-C or SIGTERM\n`,
    );
    try {
      while (!ctx.signal.aborted) {
        const now = new Date();
        const plan = planAt(prepared, lock, now, ctx.values, { upcomingCount: 1 });
        const due = plan.due.filter((item) => !givenUp.has(item.key));
        for (const item of plan.missed) {
          if (reported.has(item.key)) continue;
          reported.add(item.key);
          ctx.stderr.write(`missed ${item.key} (deadline passed; not placed late)\n`);
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
              if (lock.calls[item.key]?.status === 'failed') givenUp.add(item.key);
            }
            if (result.code === EXIT.interrupted) return EXIT.interrupted;
            if (result.code !== EXIT.ok) worst = result.code;
          } catch (error) {
            if (!(error instanceof CliError)) throw error;
            // Nothing was sent (a missing variable, say): say it once, not every minute.
            for (const item of due) givenUp.add(item.key);
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
