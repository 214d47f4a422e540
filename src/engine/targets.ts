import { printable } from '../report/printable.js';
import {
  hiddenAnywhere,
  isBooleanWord,
  MIN_REDACTED_LENGTH,
  makeRedactor,
  marker,
} from '../report/redact.js';
import { ENV_TARGET } from '../resolve/env-target.js';
import { type Env, hasReference, interpolateString, type Secret } from '../resolve/interpolate.js';
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

/** `scheme://` and the authority after it, as the URL parser reads them: up to `/`, `\`, `?` or `#`. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/\\?#]*/i;

/** Where a segment of a path starts after, and where it ends before (a query or fragment follows). */
const STARTS_AFTER = new Set(['/', '\\']);
const ENDS_BEFORE = new Set(['/', '\\', '?', '#']);

/** Its percent escapes decoded, when they decode. */
const decoded = (text: string): string => {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
};

/**
 * What hides the secrets of `secrets` in a URL or its path: the api key, the other `always`
 * secrets and values of 8 characters or more wherever they are (hiddenAnywhere); a shorter
 * value only where it is whole path segments — as written, or as one segment's percent
 * escapes decode — so `/api/v1/tenant` shows `/api/v1/${REGION}` for a `.env` value
 * `tenant`, while `/gw8080` stays whole for a `PORT=8080`: four digits or a short word turn
 * up inside the segments of a path by chance, and hiding them there tells nothing but
 * garbles where calls go. A value makeRedactor never hides (a boolean word, one under
 * MIN_REDACTED_LENGTH characters) is not hidden here either.
 */
const urlRedactor = (secrets: readonly Secret[]): ((text: string) => string) => {
  const anywhere = makeRedactor(secrets.filter(hiddenAnywhere));
  const whole = new Map<string, string>();
  for (const secret of secrets) {
    if (hiddenAnywhere(secret) || isBooleanWord(secret)) continue;
    for (const value of [secret.value, secret.value.trim()]) {
      if (value.trim().length >= MIN_REDACTED_LENGTH && !whole.has(value))
        whole.set(value, marker(secret.name));
    }
  }
  const values = [...whole].sort(([a], [b]) => b.length - a.length);
  /** The value that is the whole segments from `i` on (as written, else one decoded), and where it ends. */
  const valueAt = (text: string, i: number): { mark: string; end: number } | undefined => {
    const ends = (end: number) => end === text.length || ENDS_BEFORE.has(text[end] ?? '');
    for (const [value, mark] of values) {
      if (text.startsWith(value, i) && ends(i + value.length))
        return { mark, end: i + value.length };
    }
    let end = i;
    while (!ends(end)) end++;
    const mark = whole.get(decoded(text.slice(i, end)));
    return mark === undefined ? undefined : { mark, end };
  };
  const segments = (text: string): string => {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const found = i === 0 || STARTS_AFTER.has(text[i - 1] ?? '') ? valueAt(text, i) : undefined;
      if (found === undefined) {
        out += text[i];
        i++;
      } else {
        out += found.mark;
        i = found.end;
      }
    }
    return out;
  };
  return (text) => segments(anywhere(text));
};

/**
 * The path of a base URL as shown: every secret the command knows in it hidden by `redact`
 * (its reference, `${VG_API_KEY}`, or a gateway token's; see urlRedactor). The path is
 * searched as the value wrote it as well as the URL parser makes it, which may differ from
 * the value (characters percent-encoded, `\` read as `/`, `.` segments dropped): when a
 * secret shows in the first, the first is shown, hidden and made printable; else the
 * parser's, hidden.
 */
const shownPath = (resolved: string, url: URL, redact: (text: string) => string): string => {
  const path = resolved
    .trim()
    .replace(/[\t\n\r]/g, '')
    .replace(ORIGIN, '')
    .replace(/[?#][\s\S]*$/, '');
  const hidden = redact(path);
  if (hidden !== path) return printable(hidden);
  return url.pathname === '/' ? '' : redact(url.pathname);
};

/**
 * The base URL as a user reads it to see where calls go: scheme, host and path, with
 * `${VAR}` references resolved from `env` — never userinfo, a query or a fragment, which
 * may carry credentials, nor a secret of `secrets` in the path (a gateway token, the api key
 * by mistake), nor the api key anywhere. The host is where calls go: shown as resolved, even
 * from a value of the env file. Unresolvable or not a URL: as written, references
 * unresolved, userinfo, query and fragment masked, secrets hidden.
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
