import { loadAndValidate } from '../../engine/load.js';
import type { CommandModule } from '../context.js';
import { EXIT } from '../exit.js';
import { diagnosticsObject, reportDiagnostics } from '../load.js';

export const command: CommandModule = {
  summary: 'check call files and callops.yaml',
  usage: `Usage: callops validate [PATH…]

Parses every call file (or the PATHs given: files, or directories of *.yaml/*.yml) and
callops.yaml, checks them against the JSON Schema and the semantic rules, and reports every
problem at file:line:column. Needs no network and no environment variables.
Exit 0 when valid (warnings allowed), 1 when any error.`,
  options: {},
  allowPositionals: true,
  run: async (ctx) => {
    const { project, diagnostics, sourceText, fileCount } = await loadAndValidate(
      ctx.root,
      ctx.positionals,
    );
    if (ctx.format === 'json') {
      ctx.stdout.write(`${JSON.stringify(diagnosticsObject(diagnostics), null, 2)}\n`);
      return diagnosticsObject(diagnostics).ok ? EXIT.ok : EXIT.failed;
    }
    const failed = reportDiagnostics(ctx, diagnostics, sourceText);
    if (!failed && ctx.format === 'human') {
      const n = project.calls.length;
      ctx.stdout.write(
        `ok: ${n} call${n === 1 ? '' : 's'} in ${fileCount} file${fileCount === 1 ? '' : 's'}\n`,
      );
    }
    return failed ? EXIT.failed : EXIT.ok;
  },
};
