import { planJson } from '../../report/plan.js';
import { renderStatusHuman, statusJson } from '../../report/status.js';
import { makeStyle } from '../../report/style.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';
import { planAt, prepare } from '../prepare.js';
import { readStateView, statePaths } from '../state.js';
import { describeTarget } from '../targets.js';

export const command: CommandModule = {
  summary: 'show the lockfile, readable',
  usage: `Usage: callops status

Shows the lockfile (with what an interrupted run left in the journal folded in): placed,
failed and unknown entries with their sids and messages, how to settle unknown ones, and
the next slots of scheduled calls. Changes nothing.`,
  options: {},
  run: async (ctx) => {
    const prepared = await prepare(ctx);
    const { project, choice } = prepared;
    const paths = statePaths(project.config);
    const lock = await readStateView(paths);
    const plan = planAt(prepared, lock, ctx.now, {});
    if (ctx.format === 'json') {
      const { upcoming, due } = planJson(plan);
      ctx.stdout.write(
        `${JSON.stringify({ ...statusJson(lock, paths.lockName), due, upcoming }, null, 2)}\n`,
      );
      return EXIT.ok;
    }
    ctx.stdout.write(
      renderStatusHuman(lock, plan, {
        lockName: paths.lockName,
        targetNote: describeTarget(choice.runTarget, choice.specs),
        style: makeStyle(ctx.color),
        zones: new Map(
          project.calls.flatMap((c) =>
            c.schedule === undefined ? [] : [[c.name, c.schedule.timezone] as const],
          ),
        ),
      }),
    );
    return EXIT.ok;
  },
};
