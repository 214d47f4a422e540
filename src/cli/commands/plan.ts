import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { definitionsOf, toPlanFile } from '../../plan/index.js';
import { planJson, renderPlanHuman } from '../../report/plan.js';
import { renderPlanMarkdown } from '../../report/plan-markdown.js';
import { makeStyle } from '../../report/style.js';
import { lockDigest } from '../../state/lockfile.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';
import { planAt, prepare } from '../prepare.js';
import { readStateView, statePaths } from '../state.js';
import { describeTarget } from '../targets.js';

export const command: CommandModule = {
  summary: 'show what apply would do now',
  usage: `Usage: callops plan [--detailed-exitcode] [--out FILE] [--only NAME…] [--retry-unknown]

Shows what apply would do now (or at --now): the calls due and whom each dials, the missed
and skipped ones with the reason, and the next slots of scheduled calls. Sends nothing and
needs no network. Destinations show \${VAR} references, never their values.
\`--format markdown\` renders it as a pull-request comment, with what changed against the
lockfile.

  --detailed-exitcode  exit 2 when calls are due, 0 when none (1 on errors)
  --out FILE           write a plan file that \`apply --plan FILE\` executes exactly
  --only NAME          plan only these calls (repeatable)
  --retry-unknown      treat unknown entries as due, as apply --retry-unknown would`,
  options: {
    'detailed-exitcode': { type: 'boolean' },
    out: { type: 'string' },
    only: { type: 'string', multiple: true },
    'retry-unknown': { type: 'boolean' },
  },
  run: async (ctx) => {
    const prepared = await prepare(ctx);
    const { project, choice } = prepared;
    const paths = statePaths(project.config);
    const lock = await readStateView(paths);
    const plan = planAt(prepared, lock, ctx.now, ctx.values);
    if (typeof ctx.values.out === 'string') {
      const file = toPlanFile(plan, {
        lockDigest: lockDigest(lock),
        definitions: definitionsOf(project.calls),
      });
      await writeFile(resolve(ctx.values.out), `${JSON.stringify(file, null, 2)}\n`);
    }
    if (ctx.format === 'json') {
      ctx.stdout.write(`${JSON.stringify(planJson(plan), null, 2)}\n`);
    } else if (ctx.format === 'markdown') {
      ctx.stdout.write(
        renderPlanMarkdown({
          plan,
          lock,
          calls: project.calls.map((c) => ({
            name: c.name,
            file: c.file,
            line: c.line,
            definition: c.definition,
            enabled: c.enabled,
            ...(c.schedule === undefined ? {} : { timezone: c.schedule.timezone }),
          })),
          targetNote: describeTarget(choice.runTarget, choice.specs),
          lockName: paths.lockName,
        }),
      );
    } else {
      ctx.stdout.write(
        renderPlanHuman(plan, describeTarget(choice.runTarget, choice.specs), makeStyle(ctx.color)),
      );
      if (typeof ctx.values.out === 'string')
        ctx.stdout.write(
          `Saved the plan to ${ctx.values.out}: \`callops apply --plan ${ctx.values.out}\` places exactly these calls.\n`,
        );
    }
    if (ctx.values['detailed-exitcode'] === true && plan.due.length > 0) return EXIT.changes;
    return EXIT.ok;
  },
};
