import { envFilesOf } from '../config/env-files.js';
import { lookUp } from '../config/exists.js';
import { buildPlan } from '../plan/build.js';
import { callOf, numberOfCall } from '../plan/item.js';
import type { SlotOwners } from '../plan/renamed-claim.js';
import { replaceRefusal } from '../plan/replace.js';
import type { PlanScreen } from '../plan/screen.js';
import { isHeldShifted } from '../plan/shifted.js';
import { isTwinBeingPlaced } from '../plan/twin-held.js';
import type { Plan, PlanItem } from '../plan/types.js';
import type { RetryScope } from '../report/unsettled.js';
import { type EnvFileRead, mergeEnv, readEnvFile } from '../resolve/env-file.js';
import { type Env, envTarget } from '../resolve/index.js';
import { hasReference, interpolate, type Secret } from '../resolve/interpolate.js';
import { findListed } from '../screen/list.js';
import type { Suppression } from '../screen/load.js';
import { destinationNumber } from '../screen/number.js';
import type { Lockfile } from '../state/types.js';
import { type Diagnostic, hasErrors } from '../validate/diagnostic.js';
import type { CallDefinition, ValidatedProject } from '../validate/model.js';
import { EngineError } from './errors.js';
import { gatewaysOf } from './gateways.js';
import { envFileValues, knownSecrets } from './known-secrets.js';
import { loadAndValidate } from './load.js';
import { chooseTarget, SIMULATOR_TARGET, type TargetChoice } from './targets.js';

export interface Prepared {
  readonly project: ValidatedProject;
  readonly env: Env;
  /** `--env-file FILE` as the user typed it, when given: where a missing variable may be set. */
  readonly envFile?: string;
  readonly choice: TargetChoice;
  readonly sourceText: (file: string) => string | undefined;
  /** The warnings found (the caller shows them). */
  readonly warnings: readonly Diagnostic[];
  /** What diagnostics shown later (resolving the due calls) may not hold (knownSecrets). */
  readonly secrets: readonly Secret[];
  /** The do-not-call lists of `suppress:` (read and checked; absent when there are none). */
  readonly suppression?: Suppression;
}

/** What a command says of the project it runs on. */
export interface PrepareInput {
  readonly root: string;
  /** The real environment; it wins over the env files. */
  readonly env: Env;
  /** `--env-file FILE` as the user typed it (relative to the working directory). */
  readonly envFile?: string;
  /** `--target`, when given. */
  readonly target?: string;
  /** `--only NAME…`, when given. */
  readonly only?: readonly string[];
}

/** Every diagnostic found; `prepared` only when none is an error. */
export interface PrepareResult {
  readonly diagnostics: readonly Diagnostic[];
  readonly sourceText: (file: string) => string | undefined;
  /** What the diagnostics shown may not hold (knownSecrets). */
  readonly secrets: readonly Secret[];
  readonly prepared?: Prepared;
  /** Why the run cannot go on although the definitions are valid (an unknown --target). */
  readonly refused?: EngineError;
}

/**
 * `.env` in the project root when present, then `--env-file FILE` (relative to the working
 * directory, as the user typed it) over it; the real environment wins over both. The files'
 * variables are only used for `${VAR}` references: they never enter process.env. A FILE that
 * cannot be read, or with lines that are not variables, is a usage error naming the flag;
 * such a `.env` is an error naming the file (a usage error still when FILE has one too: both
 * are said). Every bad line is reported, at its line:column.
 */
export const loadEnv = async (input: PrepareInput): Promise<Env> => (await readEnv(input)).env;

/** loadEnv, with the env files' own variables (`file`, FILE's over `.env`'s) apart. */
const readEnv = async (input: PrepareInput): Promise<{ env: Env; file: Env }> => {
  const file: Record<string, string> = {};
  const said: string[] = [];
  let usage = false;
  for (const at of envFilesOf(input.root, input.envFile)) {
    // A `.env` that is there but cannot be followed (a link to a missing file) is read, and
    // its error said: only a `.env` truly absent is no `.env`.
    if (!at.flag && (await lookUp(at.path)) === 'absent') continue;
    const read = await readEnvFile(at.path);
    if ('env' in read) {
      Object.assign(file, read.env);
      continue;
    }
    const named = at.flag ? `--env-file ${input.envFile}` : '.env';
    for (const p of problemsOf(read)) said.push(`${named}${p.at}: ${p.why}`);
    usage ||= at.flag;
  }
  if (said.length > 0) throw new EngineError(usage ? 'usage' : 'invalid', said.join('\n'));
  return { env: mergeEnv(file, input.env), file };
};

/** What is wrong with an env file that was not read, each at its `:line:column` when known. */
const problemsOf = (
  read: Exclude<EnvFileRead, { readonly env: unknown }>,
): { at: string; why: string }[] =>
  'problems' in read
    ? read.problems.map((p) => ({ at: `:${p.line}:${p.column}`, why: p.message }))
    : [{ at: read.line === undefined ? '' : `:${read.line}:${read.column ?? 1}`, why: read.error }];

/** The environment and as much of the env files as reads well (nothing of one that does not). */
const envForSecrets = async (input: PrepareInput): Promise<{ env: Env; file: Env }> => {
  const file = await envFileValues(input.root, input.envFile).catch((): Env => ({}));
  return { env: mergeEnv(file, input.env), file };
};

/**
 * load → validate → environment → target. Returns every diagnostic, and the prepared project
 * only when none is an error, so nothing downstream ever sees invalid input. Prints nothing.
 */
export const prepare = async (input: PrepareInput): Promise<PrepareResult> => {
  const { project, diagnostics, sourceText, suppression } = await loadAndValidate(
    input.root,
    undefined,
    {
      ...(input.target === undefined ? {} : { target: input.target }),
      ...(input.envFile === undefined ? {} : { envFile: input.envFile }),
    },
  );
  // Definitions with errors are reported as they are, the env files read only for the secrets
  // they may quote: one that cannot be read (the lockfile written over `.env`) would hide
  // the error that says why; their own problems are said once the definitions are valid.
  const { env, file } = hasErrors(diagnostics) ? await envForSecrets(input) : await readEnv(input);
  // With --env-file, a value of `.env` that FILE overrides is a secret still: hidden too.
  const dotEnv =
    input.envFile === undefined ? {} : await envFileValues(input.root).catch((): Env => ({}));
  const secrets = knownSecrets(project.config, env, file, dotEnv);
  const fromEnv = envTarget(env);
  const all: Diagnostic[] = [...diagnostics, ...fromEnv.diagnostics];
  if (hasErrors(all)) return { diagnostics: all, sourceText, secrets };
  let choice: TargetChoice;
  try {
    choice = chooseTarget(project.config, fromEnv.spec, input.target);
    checkOnly(input.only, project);
  } catch (error) {
    if (!(error instanceof EngineError)) throw error;
    return { diagnostics: all, sourceText, secrets, refused: error };
  }
  const warnings = all.filter((d) => d.severity === 'warning');
  return {
    diagnostics: all,
    sourceText,
    secrets,
    prepared: {
      project,
      env,
      ...(input.envFile === undefined ? {} : { envFile: input.envFile }),
      choice,
      sourceText,
      secrets,
      warnings,
      ...(suppression === undefined ? {} : { suppression }),
    },
  };
};

/** `--only NAME` must name a call: a misspelt name would otherwise select nothing, silently. */
const checkOnly = (only: readonly string[] | undefined, project: ValidatedProject): void => {
  if (only === undefined) return;
  // A campaign's name selects all its rows, `<campaign>/<row id>` one of them.
  const names = new Set(project.calls.map((c) => c.name));
  for (const campaign of project.campaigns ?? []) names.add(campaign.name);
  const unknown = only.filter((name) => !names.has(name));
  if (unknown.length === 0) return;
  const campaign = (project.campaigns ?? []).find((c) => unknown[0]?.startsWith(`${c.name}/`));
  if (unknown.length === 1 && campaign !== undefined) {
    throw new EngineError(
      'usage',
      `--only ${unknown[0]}: campaign \`${campaign.name}\` has no row \`${unknown[0]?.slice(campaign.name.length + 1)}\` (its ids: the \`id\` column of ${campaign.recipients}, else the row numbers)`,
    );
  }
  throw new EngineError(
    'usage',
    `--only ${unknown.join(', ')}: no call of that name (see \`callops plan\` for the calls)`,
  );
};

/** What a planning command asks of the plan, beside the definitions and the state. */
export interface PlanOptions {
  readonly only?: readonly string[];
  readonly retryUnknown?: boolean;
  readonly replace?: readonly string[];
  readonly upcomingCount?: number;
  /** Reported beyond the lockfile's memory (PlanInput.reported). */
  readonly reported?: Readonly<Record<string, string>>;
  /** When a call the memory does not know was first seen (PlanInput.firstSeen: run, and --now ahead of the clock). */
  readonly firstSeen?: Date;
  /** `now` is an instant given (`--now`), not the clock (PlanInput.rehearsal). */
  readonly rehearsal?: boolean;
}

/** The plan of this project at `now`. */
export const planAt = (
  prepared: Prepared,
  lock: Lockfile,
  now: Date,
  options: PlanOptions = {},
): Plan => {
  const numberOf = numberOfItem(prepared);
  return buildPlan({
    calls: prepared.project.calls,
    named: prepared.project.named,
    ...(prepared.project.campaigns === undefined
      ? {}
      : { campaigns: prepared.project.campaigns.map((c) => c.name) }),
    lock,
    now,
    runTarget: prepared.choice.runTarget,
    explicitTarget: prepared.choice.explicit,
    // A target renamed, or another name for a gateway, holds the calls it placed (twins.ts).
    gateways: gatewaysOf(prepared),
    ...(options.only ? { only: [...options.only] } : {}),
    retryUnknown: options.retryUnknown === true,
    ...(options.rehearsal === true && { rehearsal: true }),
    ...(options.replace ? { replace: [...options.replace] } : {}),
    ...(options.upcomingCount === undefined ? {} : { upcomingCount: options.upcomingCount }),
    ...(options.reported === undefined ? {} : { reported: options.reported }),
    ...(options.firstSeen === undefined ? {} : { firstSeen: options.firstSeen }),
    ...screenOf(prepared, numberOf),
    // Asked only of the unknown entries --retry-unknown retries, whatever the screen.
    ...(options.retryUnknown === true ? { numberOf } : {}),
    // A campaign's already-dialled checks read a row's number as the screen does.
    callNumber: callNumberOf(prepared),
  });
};

/**
 * The normalised phone number `call` dials: its `to` when that is a phone number as written
 * (a literal, or a recipient row's value), else its `to` with `${VAR}` resolved from the
 * environment (a secret stays in memory only; only digests of it are compared or stored).
 * Undefined when it dials no phone number, or when a variable is missing or malformed: the
 * call stays due, and resolving its request says so, as for any call (plan warns, apply
 * sends nothing). The environment is read only for a `to` still holding `${` once a row's
 * cells are in: a campaign of rows that name their numbers costs one pattern test a row.
 */
export const callNumberOf =
  (prepared: Prepared) =>
  (call: CallDefinition): string | undefined =>
    numberOfCall(call) ?? resolvedNumber(call, prepared.env);

/**
 * Whether the number `call` dials is on a do-not-call list now (callNumberOf's number):
 * undefined when the project has no list.
 */
export const callListedOf = (
  prepared: Prepared,
): ((call: CallDefinition) => boolean) | undefined => {
  const lists = prepared.suppression?.lists ?? [];
  if (lists.length === 0) return undefined;
  const numberOf = callNumberOf(prepared);
  return (call) => {
    const number = numberOf(call);
    return number !== undefined && findListed(lists, number) !== undefined;
  };
};

/** The project as a slot's refused claim is judged by (renamed-claim.ts), as planAt plans. */
export const slotOwnersOf = (prepared: Prepared): SlotOwners => ({
  named: prepared.project.named,
  ...(prepared.project.campaigns === undefined
    ? {}
    : { campaigns: prepared.project.campaigns.map((c) => c.name) }),
  numberOf: callNumberOf(prepared),
  gateways: gatewaysOf(prepared),
});

/**
 * The project as the settle hint of an unknown entry judges a retry by (RetryScope): the
 * numbers its calls dial, its targets and campaigns, its do-not-call lists. `unreadFile`: a
 * recipients CSV that changed while a run read it (the hint is given no row of it).
 */
export const retryScope = (prepared: Prepared, unreadFile?: string): RetryScope => {
  const { project, choice } = prepared;
  const campaigns = project.campaigns ?? [];
  const lists = prepared.suppression?.lists ?? [];
  const unread = campaigns.filter((c) => c.recipients === unreadFile).map((c) => c.name);
  return {
    numberOf: callNumberOf(prepared),
    targets: new Set([...choice.specs.keys(), SIMULATOR_TARGET]),
    // Under --target, a call that names none goes where the flag says: no other default.
    ...(choice.explicit ? {} : { defaultTarget: choice.runTarget }),
    campaigns: new Map(campaigns.map((c) => [c.name, c.recipients])),
    ...(unread.length > 0 && { unread: new Set(unread) }),
    ...(lists.length > 0 && { listed: (number: string) => findListed(lists, number) }),
  };
};

/** The text of `to` a number is read from: the string, or a phone destination's `number`. */
const numberText = (to: unknown): unknown =>
  to !== null && typeof to === 'object' ? (to as Readonly<Record<string, unknown>>).number : to;

const resolvedNumber = (call: CallDefinition, env: Env): string | undefined => {
  // Only `to` (a campaign row fills in that option alone), and only when a `${VAR}` is left.
  const to = call.optionAt ? call.optionAt('to') : call.options.to;
  const text = numberText(to);
  if (typeof text !== 'string' || !hasReference(text)) return undefined;
  const resolved = interpolate(to, env);
  return resolved.missing.length > 0 || resolved.malformed.length > 0
    ? undefined
    : destinationNumber(resolved.value);
};

/** The number a plan item dials, as `callNumberOf` reads its call's. */
const numberOfItem = (prepared: Prepared): ((item: PlanItem) => string | undefined) => {
  const numberOf = callNumberOf(prepared);
  // Made only when an item without its definition (read from a plan file) needs one.
  let calls: Map<string, CallDefinition> | undefined;
  return (item) => {
    const own = callOf(item);
    if (own !== undefined) return numberOf(own);
    const shown = destinationNumber(item.to);
    if (shown !== undefined) return shown;
    calls ??= new Map(prepared.project.calls.map((c) => [c.name, c]));
    const call = calls.get(item.name);
    return call === undefined ? undefined : resolvedNumber(call, prepared.env);
  };
};

/** The plan's do-not-call and per-number screen; `numberOf` reads a placement's number. */
const screenOf = (
  prepared: Prepared,
  numberOf: (item: PlanItem) => string | undefined,
): { screen?: PlanScreen } => {
  const { suppression } = prepared;
  const perNumber = prepared.project.config.perNumber;
  if (suppression === undefined && perNumber === undefined) return {};
  const lists = suppression?.lists ?? [];
  return {
    screen: {
      numberOf,
      listed: (number) => findListed(lists, number),
      // Judged on the real clock, as each claim is just before its request (`--now` too).
      ...(perNumber === undefined ? {} : { perNumber, limitAt: new Date() }),
    },
  };
};

/** What a refused `--replace` adds: that nothing was sent, said by the command that sends (apply). */
const refusedWords = (sends: boolean): string => (sends ? '; nothing was sent' : '');

/** A `--replace NAME` refused unless the plan holds NAME back for its own reason. */
export interface UnplacedReplace {
  readonly name: string;
  readonly why: string;
}

/**
 * `--replace NAME`: each must name a placed, unscheduled call, or row of a campaign without
 * cron/at nor redial whose `end` has not passed at `now`, of this run (else a usage error;
 * `sends`: the command would have placed calls, so the error says none was sent). A name not
 * placed under its key is returned, not refused yet: the plan may hold it back for a reason
 * of its own, the one to give (checkReplacedHeld refuses it after the plan is built).
 */
export const checkReplaceNames = (
  prepared: Prepared,
  lock: Lockfile,
  now: Date,
  options: Pick<PlanOptions, 'only' | 'replace' | 'retryUnknown'>,
  sends: boolean,
): readonly UnplacedReplace[] => {
  const unplaced: UnplacedReplace[] = [];
  for (const name of options.replace ?? []) {
    const refusal = replaceRefusal(name, {
      calls: prepared.project.calls,
      lock,
      now,
      runTarget: prepared.choice.runTarget,
      explicitTarget: prepared.choice.explicit,
      gateways: gatewaysOf(prepared),
      callNumber: callNumberOf(prepared),
      ...(options.only ? { only: [...options.only] } : {}),
      // Its refusal of an unknown entry speaks to --retry-unknown, given or not.
      ...(options.retryUnknown === true ? { retryUnknown: true } : {}),
    });
    if (refusal?.unlessHeld === true) unplaced.push({ name, why: refusal.why });
    else if (refusal !== undefined)
      throw new EngineError('usage', `--replace ${name}: ${refusal.why}${refusedWords(sends)}`);
  }
  return unplaced;
};

/**
 * `--replace NAME` of a row the plan held back (a campaign keyed by position that already
 * dialled whom the row names now): a usage error with the plan's reason, as any refused
 * replacement, rather than a run that places nothing and says nothing of it; also when the
 * row was never placed under its key (`unplaced`, from checkReplaceNames). One held while
 * another runner places its key under a twin target's name (isTwinBeingPlaced) is no wrong
 * name: skipped, as one that runner places under its own key. Then a name of `unplaced` the
 * plan does not hold is refused with its own reason: it is not placed yet.
 */
export const checkReplacedHeld = (
  plan: Plan,
  replace: readonly string[] | undefined,
  sends: boolean,
  unplaced: readonly UnplacedReplace[],
): void => {
  if (replace === undefined || replace.length === 0) return;
  const names = new Set(replace);
  for (const item of plan.skipped) {
    // Held while another runner places it under a twin target's name: a race, skipped.
    if (names.has(item.name) && isHeldShifted(item) && !isTwinBeingPlaced(item)) {
      throw new EngineError(
        'usage',
        `--replace ${item.name}: ${item.reason}${refusedWords(sends)}`,
      );
    }
  }
  const first = unplaced[0];
  if (first !== undefined)
    throw new EngineError('usage', `--replace ${first.name}: ${first.why}${refusedWords(sends)}`);
};
