import { CONFIG_FILES } from '../config/index.js';
import { EngineError, invalidInput } from '../engine/errors.js';
import { tightenHeap } from '../engine/heap.js';
import { loadAndValidate } from '../engine/load.js';
import type { Prepared, PrepareInput } from '../engine/prepare.js';
import { knownCampaigns } from '../report/campaign.js';
import {
  diagnosticsJson,
  redactDiagnostics,
  renderDiagnosticsGithub,
  renderDiagnosticsHuman,
  summarizeDiagnostics,
} from '../report/diagnostics.js';
import { makeRedactor, type Redactor } from '../report/redact.js';
import { makeStyle } from '../report/style.js';
import { mergeEnv } from '../resolve/env-file.js';
import type { Env } from '../resolve/index.js';
import type { StateUse } from '../state/store.js';
import { type Diagnostic, hasErrors } from '../validate/diagnostic.js';
import type { ProjectConfig } from '../validate/model.js';
import { annotated } from './annotation-files.js';
import type { CommandContext } from './context.js';
import { UsageError } from './exit.js';

export { INVALID } from '../engine/errors.js';

/** What the engine's prepare needs of a command's context. */
export const prepareInput = (ctx: CommandContext): PrepareInput => {
  const only = ctx.values.only;
  return {
    root: ctx.root,
    env: ctx.env,
    ...(ctx.envFile === undefined ? {} : { envFile: ctx.envFile }),
    ...(ctx.target === undefined ? {} : { target: ctx.target }),
    ...(Array.isArray(only) ? { only } : {}),
  };
};

/** The engine's prepare (resolve, plan), loaded by the commands that use it: validate does not. */
const engine = () => import('../engine/prepare.js');

/**
 * The engine's prepare, its diagnostics shown in the chosen format; invalid definitions end
 * the command (exit 1) before it sends or records anything.
 */

export const prepareProject = async (
  ctx: CommandContext,
  /** What the command does with the state: only one that sends says nothing was sent. */
  use?: StateUse,
): Promise<Prepared> => {
  const { prepare } = await engine();
  const result = await prepare(prepareInput(ctx));
  const { diagnostics, sourceText } = result;
  const redact = makeRedactor(result.secrets);
  if (showDiagnostics(ctx, diagnostics, sourceText, redact))
    throw new EngineError('invalid', invalidInput(use));
  if (result.refused) throw result.refused;
  if (result.prepared === undefined) throw new EngineError('invalid', invalidInput(use));
  tightenHeap(result.prepared.project.calls.length);
  return result.prepared;
};
const CONFIG_NAMES: ReadonlySet<string> = new Set(CONFIG_FILES);

/**
 * The project's configuration for commands that only touch the state (resolve, state,
 * unlock): the environment is read only when the state needs it (a database URL). Read as
 * validate and plan read it: a callops.yaml with errors (a YAML syntax error, one that holds
 * no settings, a `lockfile` that leaves the project) ends the command with them, located
 * (exit 1), never taken as the file store's defaults: that would write or unlock the wrong
 * lockfile, or the file store in place of the database. Problems of the call files, which
 * these commands do not use, are not theirs to refuse.
 */
export const projectState = async (
  ctx: CommandContext,
): Promise<{ readonly config: ProjectConfig; readonly env: Env }> => {
  const { project, diagnostics, sourceText } = await loadAndValidate(
    ctx.root,
    undefined,
    ctx.envFile === undefined ? {} : { envFile: ctx.envFile },
  );
  const { config } = project;
  const ofConfig = diagnostics.filter((d) => CONFIG_NAMES.has(d.file));
  const wrong = ofConfig.find((d) => d.severity === 'error');
  if (wrong !== undefined) {
    showDiagnostics(ctx, ofConfig, sourceText, await secretsRedactor(ctx, config));
    throw new EngineError('invalid', `invalid ${wrong.file}; nothing was changed`);
  }
  const env =
    config.state.backend === 'file' ? ctx.env : await (await engine()).loadEnv(prepareInput(ctx));
  return { config, env };
};

/** Text as it may be printed: every known secret replaced (see report/redact.ts). */
export type Redact = (text: string) => string;

/**
 * A redactor of the secrets callops.yaml and the environment make known (knownSecrets), for
 * a command that prepares nothing (validate, resolve): the env files are read only to learn
 * them (secretEnvFiles: a bad one is no error here).
 */
export const secretsRedactor = async (
  ctx: CommandContext,
  config: ProjectConfig,
): Promise<Redactor> => {
  const { knownSecrets, secretEnvFiles } = await import('../engine/known-secrets.js');
  const { file, project } = await secretEnvFiles(ctx.root, ctx.envFile);
  return makeRedactor(knownSecrets(config, mergeEnv(file, ctx.env), file, project));
};

/**
 * Prints diagnostics in the chosen format — human on stderr (also under markdown and csv,
 * whose stdout is the command's output), github annotations on stdout; json prints nothing
 * here (the command embeds them in its one JSON object). Every message, file name and
 * source line goes through `redact`. Returns true when any is an error.
 */
export const reportDiagnostics = (
  ctx: CommandContext,
  diagnostics: readonly Diagnostic[],
  sourceText: (file: string) => string | undefined,
  redact: Redact,
): boolean => {
  if (diagnostics.length > 0) {
    // Annotations are the output of the github format: stdout, as apply's are.
    if (ctx.format === 'github')
      ctx.stdout.write(
        renderDiagnosticsGithub(redactDiagnostics(annotated(ctx, diagnostics), redact)),
      );
    // Markdown is plan's pull-request comment on stdout: the problems go to stderr.
    if (ctx.format === 'human' || ctx.format === 'markdown' || ctx.format === 'csv') {
      const style = makeStyle(ctx.color || (ctx.stderr.isTTY === true && ctx.color));
      ctx.stderr.write(renderDiagnosticsHuman(diagnostics, sourceText, style, redact));
      ctx.stderr.write(`${summarizeDiagnostics(diagnostics)}\n`);
    }
  }
  return hasErrors(diagnostics);
};

export const diagnosticsObject = (diagnostics: readonly Diagnostic[], redact: Redact) => ({
  ok: !hasErrors(diagnostics),
  errors: diagnosticsJson(redactDiagnostics(diagnostics, redact)),
});

/**
 * Diagnostics that end the command when any is an error: as reportDiagnostics prints them,
 * and under json, when one is an error, the one object `{ ok: false, errors }` on stdout.
 * Returns true when any is an error.
 */
export const showDiagnostics = (
  ctx: CommandContext,
  diagnostics: readonly Diagnostic[],
  sourceText: (file: string) => string | undefined,
  redact: Redact,
): boolean => {
  if (ctx.format === 'json' && hasErrors(diagnostics)) {
    ctx.stdout.write(`${JSON.stringify(diagnosticsObject(diagnostics, redact), null, 2)}\n`);
    return true;
  }
  return reportDiagnostics(ctx, diagnostics, sourceText, redact);
};

/** A campaign of the project by name; any other name is a usage error naming the known ones. */
export const campaignNamed = (prepared: Prepared, name: string): string => {
  const names = (prepared.project.campaigns ?? []).map((c) => c.name);
  if (names.includes(name)) return name;
  throw new UsageError(`no campaign \`${name}\`: ${knownCampaigns(names)}`);
};
