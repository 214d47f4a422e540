import type { Plan, PlanItem } from '../plan/types.js';
import { makeRedactor } from '../report/redact.js';
import { shownPath, urlRedactor } from '../report/url-redact.js';
import { ENV_TARGET, unsetMessage } from '../resolve/env-target.js';
import { type Env, hasReference, interpolateString, type Secret } from '../resolve/interpolate.js';
import { referenceProblem, structureProblem } from '../resolve/url-structure.js';
import type { ProjectConfig, TargetSpec } from '../validate/model.js';
import { shownUrl as maskedUrl } from '../validate/targets.js';
import { EngineError } from './errors.js';

export const SIMULATOR_TARGET = 'simulator';

export interface TargetChoice {
  /** The run's target: calls not pinned elsewhere go there. */
  readonly runTarget: string;
  /** True when the user named it with --target. */
  readonly explicit: boolean;
  /** Every target a call of this run may go to, by name (the simulator is implicit). */
  readonly specs: ReadonlyMap<string, TargetSpec>;
}

/**
 * `--target NAME` must be one of `names` (the targets of this run besides the simulator,
 * which is always there): any other is a usage error listing them.
 */
export const checkTargetFlag = (names: Iterable<string>, flag: string): void => {
  const known = [...names, SIMULATOR_TARGET];
  if (!known.includes(flag))
    throw new EngineError('usage', `--target ${flag}: no such target (known: ${known.join(', ')})`);
};

/**
 * --target, else default_target, else the env target (CALLOPS_* set), else the only target
 * configured, else — with no targets at all — the built-in simulator. Several targets and
 * no default is a usage error: callops never guesses where to dial.
 */
export const chooseTarget = (
  config: ProjectConfig,
  envSpec: TargetSpec | undefined,
  flag: string | undefined,
): TargetChoice => {
  const specs = new Map<string, TargetSpec>(config.targets.map((t) => [t.name, t]));
  if (envSpec !== undefined && !specs.has(ENV_TARGET)) specs.set(ENV_TARGET, envSpec);
  if (flag !== undefined) {
    // The env target documented, its variables not set: said so, not "no such target".
    if (flag === ENV_TARGET && !specs.has(ENV_TARGET))
      throw new EngineError('usage', `--target ${ENV_TARGET}: ${unsetMessage()}`);
    checkTargetFlag(specs.keys(), flag);
    return { runTarget: flag, explicit: true, specs };
  }
  if (config.defaultTarget !== undefined)
    return { runTarget: config.defaultTarget, explicit: false, specs };
  if (envSpec !== undefined) return { runTarget: ENV_TARGET, explicit: false, specs };
  if (config.targets.length === 1)
    return { runTarget: config.targets[0]?.name as string, explicit: false, specs };
  if (config.targets.length === 0) return { runTarget: SIMULATOR_TARGET, explicit: false, specs };
  throw new EngineError(
    'usage',
    `callops.yaml has ${config.targets.length} targets and no default_target: pass --target NAME (${config.targets.map((t) => t.name).join(', ')})`,
  );
};

/**
 * The base URL as a user reads it to see where calls go: scheme, host and path, with
 * `${VAR}` references resolved from `env` — never userinfo, a query or a fragment, which
 * may carry credentials, nor a secret of `secrets` in the path (a gateway token, the api key
 * by mistake), nor the api key anywhere. The host is where calls go: shown as resolved, even
 * from a value of the env file. Unresolvable, not a URL, or one whose host cannot be told (a
 * value that moves its parts: `https://key/secret@gw` reads `key` as the host, and a `#`
 * or a second `@` is read two ways): as written,
 * references unresolved, userinfo, query and fragment masked, secrets hidden.
 */
const shownUrl = (written: string, env: Env, secrets: readonly Secret[]): string => {
  const redact = urlRedactor(secrets);
  const resolved = interpolateString(written, env);
  if (resolved.missing.length > 0 || resolved.malformed) return redact(maskedUrl(written));
  let url: URL;
  try {
    url = new URL(resolved.text);
  } catch {
    return hasReference(written) ? redact(maskedUrl(written)) : '(not a URL)';
  }
  // Credentials, a query or a fragment alone leave the host as any reader takes it (it is
  // shown, they are not); a value that moves the url's parts does not.
  if (
    referenceProblem(written, env, '', true) !== undefined ||
    structureProblem(resolved.text, '', true) !== undefined
  )
    return redact(maskedUrl(written));
  const host = makeRedactor(secrets.filter((secret) => secret.always === true))(url.host);
  return `${url.protocol}//${host}${shownPath(resolved.text, url, redact)}`;
};

/**
 * One line that says plainly where calls go: the target and its base URL (see shownUrl),
 * each of `secrets` (the command's: Prepared's) hidden in it. Given none, the URL as it
 * resolves: only for comparing, never to print. The simulator's line says nothing real is
 * dialled only when it is `alone`: beside a real target, only its own calls are simulated.
 */
export const describeTarget = (
  name: string,
  specs: ReadonlyMap<string, TargetSpec>,
  env: Env,
  secrets: readonly Secret[],
  alone = true,
): string => {
  if (name === SIMULATOR_TARGET) {
    return alone
      ? `target ${SIMULATOR_TARGET}: the built-in simulator — nothing real is dialled`
      : `target ${SIMULATOR_TARGET}: the built-in simulator — only the calls to it are simulated`;
  }
  const spec = specs.get(name);
  // A call pinned to `env` with its variables unset: failed unsent, as the line says.
  if (spec === undefined && name === ENV_TARGET)
    return `target ${ENV_TARGET}: CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID and CALLOPS_API_KEY are not set — its calls are not sent`;
  if (spec === undefined) return `target ${name}`;
  const from =
    name === ENV_TARGET ? ' (from CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID, CALLOPS_API_KEY)' : '';
  return `target ${name}: ${shownUrl(spec.base_url, env, secrets)}${from}`;
};

/**
 * The targets a command's calls go to, each once: `runTarget` first (where a call pinned
 * nowhere goes: named even when none of these does), then the others by name. A call pinned
 * to a real gateway is dialled there whatever the run's target is, so its target is named.
 */
export const targetsOf = (
  runTarget: string,
  items: Iterable<{ readonly target: string }>,
): readonly string[] => {
  const others = new Set<string>();
  for (const item of items) if (item.target !== runTarget) others.add(item.target);
  return [runTarget, ...[...others].sort()];
};

/**
 * The lines that say where calls go, one per target of `names` (targetsOf), each as
 * describeTarget says it: "nothing real is dialled" only when the simulator is the only one.
 */
export const describeTargets = (
  names: readonly string[],
  specs: ReadonlyMap<string, TargetSpec>,
  env: Env,
  secrets: readonly Secret[],
): string =>
  names.map((name) => describeTarget(name, specs, env, secrets, names.length === 1)).join('\n');

function* planned(plan: Plan, keep: (item: PlanItem) => boolean): Generator<PlanItem> {
  for (const list of [plan.due, plan.waiting ?? [], plan.upcoming])
    for (const item of list) if (keep(item)) yield item;
}

/**
 * The targets a plan's calls go to (targetsOf): those due now, held back by the per-number
 * limit, or upcoming — of those `keep` keeps (default: every one).
 */
export const planTargets = (
  plan: Plan,
  keep: (item: PlanItem) => boolean = () => true,
): readonly string[] => targetsOf(plan.target, planned(plan, keep));

/**
 * The targets that lockfile keys (`<target>/…`) of `keys` name, as items for targetsOf: those
 * this run knows (configured, `env`, the simulator), whose line can say where they are.
 */
export function* keyTargets(
  keys: Iterable<string>,
  specs: ReadonlyMap<string, TargetSpec>,
): Generator<{ readonly target: string }> {
  const seen = new Set<string>();
  for (const key of keys) {
    const target = key.slice(0, Math.max(0, key.indexOf('/')));
    if (seen.has(target)) continue;
    seen.add(target);
    if (target === SIMULATOR_TARGET || specs.has(target)) yield { target };
  }
}
