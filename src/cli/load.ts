import { loadProject } from '../config/index.js';
import type { SourceFile } from '../config/types.js';
import {
  diagnosticsJson,
  renderDiagnosticsGithub,
  renderDiagnosticsHuman,
  summarizeDiagnostics,
} from '../report/diagnostics.js';
import { makeStyle } from '../report/style.js';
import { type Diagnostic, hasErrors } from '../validate/diagnostic.js';
import type { ValidatedProject } from '../validate/model.js';
import { validateProject } from '../validate/project.js';
import type { CommandContext } from './context.js';

export interface LoadedAndValidated {
  readonly project: ValidatedProject;
  readonly diagnostics: readonly Diagnostic[];
  readonly sourceText: (file: string) => string | undefined;
  readonly fileCount: number;
}

/** load → validate: every problem of every file, never an exception for bad input. */
export const loadAndValidate = async (
  ctx: CommandContext,
  paths?: readonly string[],
): Promise<LoadedAndValidated> => {
  const loaded = await loadProject({
    root: ctx.root,
    ...(paths && paths.length > 0 ? { paths } : {}),
  });
  const project = validateProject(loaded);
  const files = new Map<string, SourceFile>();
  for (const f of [loaded.configFile, ...loaded.callFiles]) if (f) files.set(f.file, f);
  return {
    project,
    // validateProject already carries the loader's diagnostics (sorted, without repeats).
    diagnostics: project.diagnostics,
    sourceText: (file) => files.get(file)?.text,
    fileCount: files.size,
  };
};

/**
 * Prints diagnostics in the chosen format — human on stderr (also under markdown), github annotations on stdout;
 * json prints nothing here (the command embeds them in its one JSON object). Returns true
 * when any is an error.
 */
export const reportDiagnostics = (
  ctx: CommandContext,
  diagnostics: readonly Diagnostic[],
  sourceText: (file: string) => string | undefined,
): boolean => {
  if (diagnostics.length > 0) {
    // Annotations are the output of the github format: stdout, as apply's are.
    if (ctx.format === 'github') ctx.stdout.write(renderDiagnosticsGithub(diagnostics));
    // Markdown is plan's pull-request comment on stdout: the problems go to stderr.
    if (ctx.format === 'human' || ctx.format === 'markdown') {
      const style = makeStyle(ctx.color || (ctx.stderr.isTTY === true && ctx.color));
      ctx.stderr.write(renderDiagnosticsHuman(diagnostics, sourceText, style));
      ctx.stderr.write(`${summarizeDiagnostics(diagnostics)}\n`);
    }
  }
  return hasErrors(diagnostics);
};

export const diagnosticsObject = (diagnostics: readonly Diagnostic[]) => ({
  ok: !hasErrors(diagnostics),
  errors: diagnosticsJson(diagnostics),
});
