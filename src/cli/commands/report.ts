import { campaignLines } from '../../campaign/progress.js';
import { reportHeader, reportLine } from '../../campaign/report-csv.js';
import { gatewaysOf } from '../../engine/gateways.js';
import { callListedOf, callNumberOf, planAt } from '../../engine/prepare.js';
import { readState } from '../../engine/state.js';
import { runTargetUnset } from '../../engine/target-notes.js';
import { shownLockfile } from '../../report/lockfile-shown.js';
import { readWithoutGatewayLines } from '../../report/plan.js';
import type { CommandModule } from '../context.js';
import { EXIT, UsageError } from '../exit.js';
import { campaignNamed, prepareProject } from '../load.js';
import { checkOutFile, REPORT_OUTPUT, writeOutFile } from '../out-file.js';
import { openProjectState } from '../state.js';

export const command: CommandModule = {
  summary: 'one line per recipient of a campaign with its final state',
  usage: `Usage: callops report NAME [--format csv|json] [--output FILE]

Writes one line per recipient row of campaign NAME (a call with \`recipients\`), in the order
of its CSV: id, to, state (answered, busy, no-answer, failed, placed, in-flight: a run is
placing it now, unknown, suppressed, held: not placed, as this campaign already dialled its
number under another row or key, expired: never reached before the campaign's end,
waiting), attempts (every one recorded, a refused request included), then the row's latest
call, the one its state speaks of: its sid and sip_status, its duration in seconds, when it
was placed (a request the gateway refused, or settled --not-placed, called nobody: the call
before it is shown, or, when there is none, the refused request with no sid), and
to_changed: \`yes\` when that call dialled another number than the row names now (the row
was edited since; \`to\` is then left empty). A row of a campaign with cron/at stands at its
latest slot's call; its attempts are its slots. CSV (RFC 4180; a cell that a spreadsheet
would run as a formula starts with ', control characters are escaped as \\u001b) by
default, --format json an array. Changes nothing; outcomes come from \`status --refresh\`,
\`apply --wait\` or \`receive\`.

  --output FILE   write to FILE (relative to the working directory) instead of stdout`,
  options: { output: { type: 'string' } },
  allowPositionals: true,
  run: async (ctx) => {
    const [wanted, ...extra] = ctx.positionals;
    if (wanted === undefined)
      throw new UsageError('report needs a campaign name: callops report NAME');
    if (extra.length > 0)
      throw new UsageError(`report takes one campaign name (got ${ctx.positionals.length})`);
    const prepared = await prepareProject(ctx);
    const name = campaignNamed(prepared, wanted);
    // Checked as plan --out is, before the state is read: never a file callops reads.
    const output = typeof ctx.values.output === 'string' ? ctx.values.output : undefined;
    const outPath =
      output === undefined
        ? undefined
        : await checkOutFile(REPORT_OUTPUT, output, prepared, ctx.envFile);
    const { store } = await openProjectState(
      ctx,
      prepared.project.config,
      prepared.env,
      'callops report',
      {
        calls: () => prepared.project.named,
        secrets: prepared.secrets,
      },
    );
    // A hand edit or a merge may have put a secret in any of its strings: shown hidden.
    const lock = shownLockfile(
      await readState(store).finally(() => store.close()),
      prepared.secrets,
    );
    const plan = planAt(prepared, lock, ctx.now, { rehearsal: ctx.nowGiven });
    const lines = campaignLines(
      name,
      prepared.project.calls,
      lock,
      plan,
      callNumberOf(prepared),
      callListedOf(prepared),
      gatewaysOf(prepared),
    );
    // The run's target unresolved here, other targets' entries read without its gateway:
    // said beside the rows, which show what the lockfile says was placed.
    const unset = runTargetUnset(prepared, plan);
    if (unset !== undefined)
      for (const line of readWithoutGatewayLines(plan, unset)) ctx.stderr.write(`${line}\n`);
    const text =
      ctx.format === 'json'
        ? `${JSON.stringify(lines, null, 2)}\n`
        : `${reportHeader()}${lines.map(reportLine).join('')}`;
    if (output !== undefined && outPath !== undefined) {
      await writeOutFile(REPORT_OUTPUT, output, outPath, text);
      ctx.stderr.write(`wrote ${lines.length} rows of campaign ${name} to ${output}\n`);
    } else ctx.stdout.write(text);
    return EXIT.ok;
  },
};
