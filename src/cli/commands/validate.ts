import { loadAndValidate } from '../../engine/load.js';
import { checkTargetFlag } from '../../engine/targets.js';
import { ENV_TARGET } from '../../resolve/env-target.js';
import type { ValidatedProject } from '../../validate/model.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';
import { diagnosticsObject, reportDiagnostics, secretsRedactor } from '../load.js';

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `ok: 9 calls in 4 files (1 campaign, 3 recipient rows)`: a campaign counts once, its rows
 * apart; one whose CSV has a header and no rows counts too (0 rows, and validate's warning).
 */
const okLine = (project: ValidatedProject, fileCount: number): string => {
  const campaigns = project.campaigns ?? [];
  let literal = 0;
  for (const call of project.calls) if (call.campaign === undefined) literal += 1;
  const rows = campaigns.reduce((sum, c) => sum + c.rows, 0);
  const counted =
    campaigns.length === 0
      ? ''
      : ` (${plural(campaigns.length, 'campaign')}, ${plural(rows, 'recipient row')})`;
  return `ok: ${plural(literal + campaigns.length, 'call')} in ${plural(fileCount, 'file')}${counted}\n`;
};

export const command: CommandModule = {
  summary: 'check call files and callops.yaml',
  usage: `Usage: callops validate [PATH…]

Parses every call file (or the PATHs given: files, or directories of *.yaml/*.yml) and
callops.yaml, checks them against the JSON Schema and the semantic rules, and reports every
problem at file:line:column. Needs no network and no environment variables.
--target NAME: the calls not pinned to a target are checked as going to NAME (its flavor's
rules), as plan --target takes them; a NAME callops.yaml does not define is a usage error.
Exit 0 when valid (warnings allowed), 1 when any error, 64 for a usage error.`,
  options: {},
  allowPositionals: true,
  run: async (ctx) => {
    const { target } = ctx;
    const { project, diagnostics, sourceText, fileCount } = await loadAndValidate(
      ctx.root,
      ctx.positionals,
      {
        ...(target === undefined ? {} : { target }),
        ...(ctx.envFile === undefined ? {} : { envFile: ctx.envFile }),
      },
    );
    // As plan takes it, once the definitions are valid. The `env` target is known: validate
    // reads no environment, and its rules are those of any cognigy target.
    const checkTarget = () => {
      if (target === undefined) return;
      const names = project.config.targets.map((t) => t.name);
      checkTargetFlag(names.includes(ENV_TARGET) ? names : [...names, ENV_TARGET], target);
    };
    // Nothing is sent, but a message or a line may quote a secret (a link to `.env`).
    const redact = await secretsRedactor(ctx, project.config);
    if (ctx.format === 'json') {
      const result = diagnosticsObject(diagnostics, redact);
      if (result.ok) checkTarget();
      ctx.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return result.ok ? EXIT.ok : EXIT.failed;
    }
    const failed = reportDiagnostics(ctx, diagnostics, sourceText, redact);
    if (failed) return EXIT.failed;
    checkTarget();
    if (ctx.format === 'human') ctx.stdout.write(okLine(project, fileCount));
    return EXIT.ok;
  },
};
