import { access } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { buildPlan, checkReplace } from '../plan/build.js';
import type { Plan } from '../plan/types.js';
import { mergeEnv, readEnvFile } from '../resolve/env-file.js';
import { type Env, envTarget } from '../resolve/index.js';
import type { Lockfile } from '../state/types.js';
import type { Diagnostic } from '../validate/diagnostic.js';
import type { ValidatedProject } from '../validate/model.js';
import type { CommandContext } from './context.js';
import { CliError, EXIT, UsageError } from './exit.js';
import { diagnosticsObject, loadAndValidate, reportDiagnostics } from './load.js';
import { chooseTarget, type TargetChoice } from './targets.js';

export interface Prepared {
  readonly project: ValidatedProject;
  readonly env: Env;
  readonly choice: TargetChoice;
  readonly sourceText: (file: string) => string | undefined;
  /** The warnings found so far (already printed, except in the json format). */
  readonly warnings: readonly Diagnostic[];
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/**
 * `--env-file FILE` (relative to the working directory, as the user typed it), or `.env` in
 * the project root when present; the real environment wins. The file's variables are only
 * used for `${VAR}` references: they never enter process.env. A FILE that cannot be read is a
 * usage error naming the flag; an unreadable `.env` is an error naming the file.
 */
export const loadEnv = async (ctx: CommandContext): Promise<Env> => {
  const implicit = join(ctx.root, '.env');
  const given = ctx.envFile !== undefined;
  const file =
    ctx.envFile !== undefined
      ? resolvePath(ctx.envFile)
      : (await exists(implicit))
        ? implicit
        : undefined;
  if (file === undefined) return ctx.env;
  const read = await readEnvFile(file);
  if ('error' in read) {
    const at = read.line === undefined ? '' : `:${read.line}:${read.column ?? 1}`;
    if (given) throw new UsageError(`--env-file ${ctx.envFile}${at}: ${read.error}`);
    throw new CliError(`.env${at}: ${read.error}`, EXIT.failed);
  }
  return mergeEnv(read.env, ctx.env);
};

export const INVALID = 'invalid input; nothing was sent';

/**
 * load → validate → environment → target. Prints diagnostics; throws CliError (exit 1) when
 * any is an error, so nothing downstream ever sees invalid input.
 */
export const prepare = async (ctx: CommandContext): Promise<Prepared> => {
  const { project, diagnostics, sourceText } = await loadAndValidate(ctx);
  const env = await loadEnv(ctx);
  const fromEnv = envTarget(env);
  const all: Diagnostic[] = [...diagnostics, ...fromEnv.diagnostics];
  if (ctx.format === 'json' && all.some((d) => d.severity === 'error')) {
    ctx.stdout.write(`${JSON.stringify(diagnosticsObject(all), null, 2)}\n`);
    throw new CliError(INVALID);
  }
  if (reportDiagnostics(ctx, all, sourceText)) throw new CliError(INVALID);
  const choice = chooseTarget(project.config, fromEnv.spec, ctx.target);
  checkOnly(ctx.values.only, project);
  const warnings = all.filter((d) => d.severity === 'warning');
  return { project, env, choice, sourceText, warnings };
};

/** `--only NAME` must name a call: a misspelt name would otherwise select nothing, silently. */
const checkOnly = (only: unknown, project: ValidatedProject): void => {
  if (!Array.isArray(only)) return;
  const names = new Set(project.calls.map((c) => c.name));
  const unknown = only.filter((name) => !names.has(String(name)));
  if (unknown.length > 0) {
    throw new UsageError(
      `--only ${unknown.join(', ')}: no call of that name (see \`callops plan\` for the calls)`,
    );
  }
};

/** The plan of this project at `now`, with the flags every planning command shares. */
export const planAt = (
  prepared: Prepared,
  lock: Lockfile,
  now: Date,
  values: CommandContext['values'],
  extra: { readonly upcomingCount?: number } = {},
): Plan => {
  const only = values.only as string[] | undefined;
  return buildPlan({
    calls: prepared.project.calls,
    lock,
    now,
    runTarget: prepared.choice.runTarget,
    explicitTarget: prepared.choice.explicit,
    ...(only ? { only } : {}),
    retryUnknown: values['retry-unknown'] === true,
    ...(Array.isArray(values.replace) ? { replace: values.replace } : {}),
    ...extra,
  });
};

/** `--replace NAME`: each must name a placed, unscheduled call of this run (else exit 64). */
export const checkReplaceFlags = (
  ctx: CommandContext,
  prepared: Prepared,
  lock: Lockfile,
): void => {
  const names = ctx.values.replace;
  if (!Array.isArray(names)) return;
  const only = ctx.values.only;
  for (const name of names) {
    const why = checkReplace(name, {
      calls: prepared.project.calls,
      lock,
      runTarget: prepared.choice.runTarget,
      explicitTarget: prepared.choice.explicit,
      ...(Array.isArray(only) ? { only } : {}),
    });
    if (why !== undefined) throw new UsageError(`--replace ${name}: ${why}; nothing was sent`);
  }
};
