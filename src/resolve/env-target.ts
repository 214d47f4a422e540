import type { Diagnostic } from '../validate/diagnostic.js';
import type { TargetSpec } from '../validate/model.js';
import type { Env } from './interpolate.js';

export const ENV_TARGET = 'env';
export const ENV_TARGET_FILE = 'environment';

const VARIABLES = {
  base_url: 'CALLOPS_BASE_URL',
  account_sid: 'CALLOPS_ACCOUNT_SID',
  api_key: 'CALLOPS_API_KEY',
} as const;

/** Why there is no `env` target: the variables of `unset` (some or all three) are not set. */
export const unsetMessage = (unset: readonly string[] = Object.values(VARIABLES)): string => {
  const list =
    unset.length < 3 ? unset.join(' and ') : `${unset.slice(0, -1).join(', ')} and ${unset.at(-1)}`;
  return `${list} ${unset.length === 1 ? 'is' : 'are'} not set: a target from the environment needs ${Object.values(VARIABLES).join(', ')}`;
};

/**
 * The target named `env` that CALLOPS_BASE_URL, CALLOPS_ACCOUNT_SID and CALLOPS_API_KEY
 * define. Its fields are references to those variables, so resolving it treats every value
 * as a secret under its variable name. An empty variable counts as unset. Some but not all
 * of them set is an error naming the missing ones; none set means no such target.
 */
export const envTarget = (
  env: Env,
): { readonly spec?: TargetSpec; readonly diagnostics: readonly Diagnostic[] } => {
  const names = Object.values(VARIABLES);
  const unset = names.filter((name) => env[name] === undefined || env[name] === '');
  if (unset.length === names.length) return { diagnostics: [] };
  if (unset.length > 0) {
    const message = unsetMessage(unset);
    return {
      diagnostics: [
        { file: ENV_TARGET_FILE, line: 0, column: 0, path: '', message, severity: 'error' },
      ],
    };
  }
  return {
    spec: {
      name: ENV_TARGET,
      base_url: `\${${VARIABLES.base_url}}`,
      account_sid: `\${${VARIABLES.account_sid}}`,
      api_key: `\${${VARIABLES.api_key}}`,
      file: ENV_TARGET_FILE,
      locate: () => ({ line: 0, column: 0 }),
    },
    diagnostics: [],
  };
};
