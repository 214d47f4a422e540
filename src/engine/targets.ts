import { makeRedactor } from '../report/redact.js';
import { shownPath, urlRedactor } from '../report/url-redact.js';
import { ENV_TARGET } from '../resolve/env-target.js';
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
 * from a value of the env file. Unresolvable, not a URL, or one that resolve/target.ts
 * refuses for what its host may be made of (userinfo, a query or a fragment, a value that
 * moves its parts: `https://key/secret@gw` reads `key` as the host): as written,
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
  if (
    url.username !== '' ||
    url.password !== '' ||
    url.search !== '' ||
    url.hash !== '' ||
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
 * resolves: only for comparing, never to print.
 */
export const describeTarget = (
  name: string,
  specs: ReadonlyMap<string, TargetSpec>,
  env: Env,
  secrets: readonly Secret[],
): string => {
  if (name === SIMULATOR_TARGET) {
    return `target ${SIMULATOR_TARGET}: the built-in simulator — nothing real is dialled`;
  }
  const spec = specs.get(name);
  if (spec === undefined) return `target ${name}`;
  const from =
    name === ENV_TARGET ? ' (from CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID, CALLOPS_API_KEY)' : '';
  return `target ${name}: ${shownUrl(spec.base_url, env, secrets)}${from}`;
};
