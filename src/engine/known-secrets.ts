import { envFilesOf } from '../config/env-files.js';
import { readConfigSource } from '../config/load.js';
import { webhookSecrets } from '../receive/secrets.js';
import { mergeEnv, readEnvFile } from '../resolve/env-file.js';
import { type Env, envTarget, interpolate, resolveState, type Secret } from '../resolve/index.js';
import { secretsOf } from '../resolve/secrets.js';
import { readConfig } from '../validate/config.js';
import type { ProjectConfig, TargetSpec } from '../validate/model.js';

/** The variables that hold a secret whatever references them. */
const SECRET_VARIABLES = ['CALLOPS_API_KEY'];
/**
 * The variables that hold webhook secrets, several in one value (comma-separated, as
 * `receive` reads them): each is a secret, the commas and blanks between them none.
 */
const WEBHOOK_VARIABLES = ['CALLOPS_WEBHOOK_SECRET', 'CALLOPS_WEBHOOK_SECRETS'];

/** A target's values taken from the environment, and its api key (written or resolved). */
const targetSecrets = (spec: TargetSpec, env: Env): Secret[] => {
  const { api_key: apiKey, ...rest } = spec;
  const others = interpolate(
    [rest.base_url, rest.account_sid, rest.concurrency, rest.rate, rest.request_timeout],
    env,
  ).secrets;
  const key = interpolate(apiKey, env);
  const value = typeof key.value === 'string' ? key.value : '';
  // Named after its variable when it is one (`${VG_API_KEY}`), as apply names it.
  const name =
    key.secrets.length === 1 && key.secrets[0]?.value === value
      ? key.secrets[0].name
      : `api_key of target ${spec.name}`;
  const whole = value === '' ? [] : [{ name, value, always: true }];
  return [...whole, ...key.secrets, ...others];
};

/**
 * Every secret value a command knows before it sends anything, for the diagnostics it
 * prints to hide: each target's api key (resolved, or as written), the values targets and
 * the state url take from the environment, the state url and its password, the variables
 * that are secret by name, and every value of the env files given (`.env`, and the file
 * --env-file names: see secretEnvFiles), which hold secrets by custom. A diagnostic quoting a file's text (a call file that is a link to `.env`) then
 * never shows one.
 */
export const knownSecrets = (
  config: ProjectConfig,
  env: Env,
  ...files: readonly Env[]
): Secret[] => {
  const targets = [...config.targets];
  const fromEnv = envTarget(env).spec;
  if (fromEnv !== undefined) targets.push(fromEnv);
  const state = resolveState(config.state, env);
  const named = [
    ...SECRET_VARIABLES.flatMap((name) => {
      const value = env[name];
      return value === undefined || value === '' ? [] : [{ name, value, always: true }];
    }),
    ...WEBHOOK_VARIABLES.flatMap((name) =>
      webhookSecrets({ [name]: env[name] }).map((value) => ({ name, value, always: true })),
    ),
  ];
  const file = files.flatMap((values) =>
    Object.entries(values).flatMap(([name, value]) =>
      value === undefined || value === '' ? [] : [{ name, value }],
    ),
  );
  return secretsOf(
    named,
    ...targets.map((spec) => targetSecrets(spec, env)),
    state.ok ? state.secrets : [],
    file,
  );
};

/**
 * The variables of the env files a command reads (`.env` in the project root, then
 * `--env-file FILE` over it: envFilesOf), each file's or none when it cannot be read: only
 * to know what to hide, never an error.
 */
export const envFileValues = async (root: string, envFile?: string): Promise<Env> => {
  const reads = await Promise.all(envFilesOf(root, envFile).map((at) => readEnvFile(at.path)));
  return Object.assign({}, ...reads.map((read) => ('env' in read ? read.env : {})));
};

/**
 * The env files whose values are secrets, each read as far as it can be (never an error):
 * `file`, what a command reads of them (envFileValues), and `project`, the project's own
 * `.env` when --env-file names another file (else none): a value of it that FILE overrides
 * is no longer in `file`, yet a secret by custom, and a call file may quote it all the same.
 */
export const secretEnvFiles = async (
  root: string,
  envFile?: string,
): Promise<{ readonly file: Env; readonly project: Env }> => {
  const none = (): Env => ({});
  const file = await envFileValues(root, envFile).catch(none);
  const project = envFile === undefined ? {} : await envFileValues(root).catch(none);
  return { file, project };
};

/**
 * The secrets a command knows (knownSecrets), read afresh for an error it ends with, which
 * may quote what was typed (a KEY, a flag's value): from callops.yaml alone, the
 * environment and the env files (secretEnvFiles), each as far as it can be read — the
 * command may have stopped before reading any (an unknown flag), or because one is broken
 * (the file --env-file names may be what could not be read). Never fails: what cannot be
 * read adds nothing.
 */
export const projectSecrets = async (
  root: string,
  env: Env,
  envFile?: string,
): Promise<Secret[]> => {
  const { file, project } = await secretEnvFiles(root, envFile);
  const merged = mergeEnv(file, env);
  let config = readConfig(root).config;
  try {
    config = readConfig(root, (await readConfigSource(root)).source).config;
  } catch {
    // An unreadable callops.yaml: its targets add nothing; the environment still does.
  }
  try {
    return knownSecrets(config, merged, file, project);
  } catch {
    return knownSecrets(readConfig(root).config, merged, file, project);
  }
};
