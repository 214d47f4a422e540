import type { Env } from '../resolve/index.js';
import { interpolateString } from '../resolve/interpolate.js';
import { DEFAULT_SCHEMA } from '../state/postgres/schema.js';
import type { StateSpec } from '../validate/model.js';

/** `state:` as read, with the environment its url resolves in. */
export interface StatePlace {
  readonly state: StateSpec;
  readonly env: Env;
}

/**
 * What of `state:` moves the state elsewhere, in words that never quote the url (a secret):
 * "backend `file` → `postgres`", "its url", "schema `a` → `b`". Undefined when none does.
 * The url counts as written and as it resolves (a reload reads the environment and .env
 * again). `keep` is not where the state lives: it takes effect at once.
 */
export const stateMoved = (current: StatePlace, next: StatePlace): string | undefined => {
  const [from, to] = [current.state, next.state];
  if (from.backend !== to.backend) return `backend \`${from.backend}\` → \`${to.backend}\``;
  if (from.backend !== 'postgres' || to.backend !== 'postgres') return undefined;
  const moved: string[] = [];
  const url = (spec: typeof from, env: Env) => {
    const resolved = interpolateString(spec.url, env);
    return [spec.url, resolved.missing.length > 0 || resolved.malformed ? '' : resolved.text];
  };
  if (JSON.stringify(url(from, current.env)) !== JSON.stringify(url(to, next.env)))
    moved.push('its url');
  const [a, b] = [from.schema ?? DEFAULT_SCHEMA, to.schema ?? DEFAULT_SCHEMA];
  if (a !== b) moved.push(`schema \`${a}\` → \`${b}\``);
  return moved.length === 0 ? undefined : moved.join(', ');
};
