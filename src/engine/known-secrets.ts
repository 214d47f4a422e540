import { join, resolve } from 'node:path';
import { readEnvFile } from '../resolve/env-file.js';
import { type Env, envTarget, interpolate, resolveState, type Secret } from '../resolve/index.js';
import { secretsOf } from '../resolve/secrets.js';
import type { ProjectConfig, TargetSpec } from '../validate/model.js';

/** The variables that hold a secret whatever references them. */
const SECRET_VARIABLES = ['CALLOPS_API_KEY', 'CALLOPS_WEBHOOK_SECRET', 'CALLOPS_WEBHOOK_SECRETS'];

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
 * that are secret by name, and every value of the env file (`.env` or --env-file), which
 * holds secrets by custom. A diagnostic quoting a file's text (a call file that is a link
 * to `.env`) then never shows one.
 */
export const knownSecrets = (config: ProjectConfig, env: Env, fileEnv: Env = {}): Secret[] => {
  const targets = [...config.targets];
  const fromEnv = envTarget(env).spec;
  if (fromEnv !== undefined) targets.push(fromEnv);
  const state = resolveState(config.state, env);
  const named = SECRET_VARIABLES.flatMap((name) => {
    const value = env[name];
    return value === undefined || value === '' ? [] : [{ name, value, always: true }];
  });
  const file = Object.entries(fileEnv).flatMap(([name, value]) =>
    value === undefined || value === '' ? [] : [{ name, value }],
  );
  return secretsOf(
    named,
    ...targets.map((spec) => targetSecrets(spec, env)),
    state.ok ? state.secrets : [],
    file,
  );
};

/**
 * The variables of the env file a command reads (`--env-file FILE`, else `.env` in the
 * project root), or none when it cannot be read: only to know what to hide, never an error.
 */
export const envFileValues = async (root: string, envFile?: string): Promise<Env> => {
  const read = await readEnvFile(envFile !== undefined ? resolve(envFile) : join(root, '.env'));
  return 'env' in read ? read.env : {};
};
